/**
 * How people behave in the simulation — ONE model for every policy, every number here with its reason. A policy
 * (policies.ts) decides whom the system asks and when; it never changes how people answer. The worlds' numbers
 * (residents, volunteers, grids, distances) are in scenarios.ts, with their sources.
 *
 * Where the articles (/work/shared/seeds, summarised in DOMAIN.md) give no figure, the number is an assumption, said
 * as such; docs/simulation.md lists them. Changing one here changes every policy alike.
 */
export const BEHAVIOUR = {
  /**
   * How a notified volunteer (a dispatch or an offer) hears of it. Each notification reaches them through one channel,
   * drawn by `share`; `notice` is the chance they see it at all while it is still open, `meanMinutes` the mean of the
   * exponential delay before they look (plus `minMinutes` to read it).
   * - app: the mini-program is open (the live update of issue 19 shows the offer at once). Assumption: a volunteer on
   *   duty has it open about a tenth of the time.
   * - wechat: a WeChat subscribed message (订阅消息) — the volunteer granted one; it lands in the 服务通知 list, which
   *   people read within minutes when the phone is at hand. Assumption: 65 % of notifications go this way, 75 % seen.
   * - sms: the fallback when no subscription is left (docs/notifications.md); read later and less often. Assumption.
   */
  channels: {
    app: { share: 0.1, notice: 0.95, meanMinutes: 0.5 },
    wechat: { share: 0.65, notice: 0.75, meanMinutes: 3 },
    sms: { share: 0.25, notice: 0.55, meanMinutes: 8 },
  },
  minMinutes: 0.3,
  /**
   * An un-notified volunteer sees an order only when they open the mini-program and look at the task hall (接单大厅).
   * Assumption: about once an hour while on duty (a volunteer who switched duty on checks for work now and then).
   */
  appOpensPerDutyHour: 1,
  /**
   * Once they look: the chance to say no, the existing model of the simulation (issue 13): a base, per minute of
   * travel to the door, per task in hand, per task already taken today, when the household is outside their own
   * grid, plus each volunteer's own reluctance (−0.05 … +0.10, drawn in world.ts). Clamped to 1 %…95 %. The old model
   * charged 0.06 per km at the county's 12 km/h, i.e. 0.012 per minute on the way: people weigh the time a task takes,
   * not the kilometres, so the same 20 minutes weigh the same on foot in a street and by car on the steppe.
   */
  reject: { base: 0.06, perTravelMinute: 0.012, perLoad: 0.12, perToday: 0.03, otherGrid: 0.05 },
  /** A qualified service taken by someone without the skill is never offered, so no number is needed for it. */
  /** The server's AUTO_DISPATCH_ACCEPT_MINUTES default: a sequential dispatch unanswered this long counts as a refusal. */
  acceptWindowMinutes: 5,
  /** Time at the door, minutes, uniform (a delivery is short, a visit or a repair long). Assumption. */
  serviceMinutes: [30, 120] as const,
  /** A resident gives up on an order nobody accepted after two days (counted as never served). Assumption. */
  giveUpMinutes: 48 * 60,
  /**
   * No-shows: the share of accepted orders whose volunteer never turns up (forgot, something came up). Assumption: 3 %,
   * the order of cancellations after acceptance on errand platforms; nothing in the articles counts it.
   */
  noShowShare: 0.03,
  /** A no-show reminded at the agreed time (the check-in reminder) goes after all with this chance. Assumption. */
  reminderRescue: 0.3,
  /**
   * The agreed start: urgent orders this many minutes after accepting (plus travel); normal ones this much later (a
   * resident's preferred time is usually later the same day). Past it plus `noShowGraceMinutes` without a check-in,
   * the order is a no-show. The server's setting lives with the duty helper's code; these are its defaults.
   */
  checkInAfterMinutes: { urgent: 30, normal: 120 },
  noShowGraceMinutes: 15,
  /**
   * The responsible person (兜底) when alarmed: the chance they are reached by the alarm, and the mean minutes before
   * they act (exponential, plus one).
   * - gridWorker: a full-time 专职网格员 at work (they lead the grid's squad and dispatch inside it, article 002).
   * - herderGridWorker: the pastoral 网格员, a herder paired with ~10 households (1,739 for 18,100 households, article
   *   000): on the steppe, patchy signal and work with the herd — slower and less sure. Assumption for the numbers.
   * - cadre: a ledger household's paired cadre (包联责任人), a volunteer, alarmed when awake.
   * - dutyDesk: the community/street/苏木 duty phone (岗位值班制度，确保24小时在线, article 002), always staffed; slower at
   *   night (`nightMeanMinutes`).
   */
  responsible: {
    gridWorker: { reach: 0.95, meanMinutes: 4 },
    herderGridWorker: { reach: 0.7, meanMinutes: 10 },
    cadre: { reach: 0.8, meanMinutes: 6 },
    dutyDesk: { reach: 1, meanMinutes: 5, nightMeanMinutes: 10 },
  },
  /**
   * What a responsible person does: phones volunteers best-first (on duty or not — a phone call reaches people the app
   * does not), `perRound` calls of `minutesEach`. A call is picked up with a chance by the callee's state; a picked-up
   * call is refused as an app offer would be, less `personalBonus` (a neighbour asking in person is harder to refuse).
   * Assumptions.
   */
  calls: { perRound: 6, minutesEach: 2, pickupOnDuty: 0.9, pickupOffDuty: 0.5, pickupAsleep: 0.1, personalBonus: 0.15 },
  /** People are awake (answer a phone, a cadre can be alarmed) from 06:00 to 22:00. Assumption. */
  awakeHours: [6, 22] as const,
  /**
   * Office hours of a full-time grid worker: Monday–Friday 08:30–17:30 (civil-service hours); outside them the duty
   * desk answers. A pastoral grid worker (a herder) is reachable every day 06:00–21:00 (herders' day).
   */
  officeHours: { weekdays: [1, 2, 3, 4, 5], start: 8.5 * 60, end: 17.5 * 60 },
  herderHours: { start: 6 * 60, end: 21 * 60 },
  /** A responsible person who found nobody and cannot take it is alarmed again this often (county never idle). */
  repeatAlarmMinutes: 15,
};

/** Orders over the day: the morning and evening peaks of the demo data (sim of issue 13), the same in every scenario. */
export const HOURLY_DEMAND = [0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.5, 2.2, 2.0, 1.5, 1.2, 1.0, 1.0, 1.1, 1.2, 1.5, 1.9, 2.0, 1.5, 1.0, 0.6, 0.3, 0.15];

/** Residents on the ledger (独居、高龄…) order this many times as often as others. Assumption (kept from today). */
export const LEDGER_FACTOR = 3;
