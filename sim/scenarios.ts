/**
 * The worlds simulated. Numbers come from the articles (/work/shared/seeds, table in /work/shared/docs/DOMAIN.md,
 * cited by article number 000–004) where they give one; the rest are assumptions, said as such. A scenario describes
 * the world only — who lives where, who volunteers, who is responsible — never how the dispatch works.
 */

export type ScenarioName = 'county' | 'street' | 'pastoral';
export const SCENARIO_NAMES: ScenarioName[] = ['county', 'street', 'pastoral'];

/** A generated place tree: towns around a centre, communities around their town, grids around their community. */
export interface TreeSpec {
  center: { lat: number; lng: number };
  towns: number;
  communitiesPerTown: number;
  gridsPerCommunity: number;
  /** Town centres within this many km of the centre (uniform over the disc). */
  townSpreadKm: number;
  communitySpreadKm: number;
  gridSpreadKm: number;
  rural: boolean;
}

export interface ScenarioSpec {
  name: ScenarioName;
  title: string;
  /** 'demo': the demo county's tree (server/src/demo/places.ts); otherwise generated. */
  tree: 'demo' | TreeSpec;
  residents: number;
  volunteers: number;
  /** Orders per resident per day (ledger residents order LEDGER_FACTOR times as often). */
  ordersPerResidentPerDay: number;
  /** Share of residents on the ledger (重点人员台账). */
  ledgerShare: number;
  /** Homes and volunteers lie within this many metres of their grid's centre. */
  homeSpreadM: number;
  /** How the responsible person is found: the grid's full-time grid worker, or each household's paired herder. */
  gridWorkers: { kind: 'office'; perGrid: number } | { kind: 'herder'; perGrid: number };
  /** Travel speed to the door, km/h. */
  speedKmh: number;
  /** Share of volunteers who are employed (在职, mostly evenings and weekends; demo roster generator). */
  employedShare: number;
  /** The duty switch: on between these hours, off between these (hours of day, whole). */
  dutyOn: [number, number];
  dutyOff: [number, number];
  /** Each volunteer switches duty on at all on a day with a chance drawn in [keenness[0], keenness[0]+keenness[1]]. */
  keenness: [number, number];
}

export const SCENARIOS: Record<ScenarioName, ScenarioSpec> = {
  /**
   * Today's world of `pnpm simulate`: the demo county 杭锦后旗 (3 towns, 8 communities and villages, 40 grids), 1,500
   * residents who use the service and 400 volunteers, 0.07 orders per resident and day (≈ 770 a week). One full-time
   * grid worker per grid (专职网格员 lead the grid's squad, article 002).
   */
  county: {
    name: 'county',
    title: '杭锦后旗 (demo county)',
    tree: 'demo',
    residents: 1500,
    volunteers: 400,
    ordersPerResidentPerDay: 0.07,
    ledgerShare: 0.2,
    homeSpreadM: 400,
    gridWorkers: { kind: 'office', perGrid: 1 },
    speedKmh: 12,
    employedShare: 0.35,
    dutyOn: [6, 10],
    dutyOff: [17, 22],
    keenness: [0.55, 0.4],
  },
  /**
   * 民馨路街道 (Minxin Road street, Baotou; article 001): "常住人口4.2万多人，老年人居多" — 42,000 residents, mostly
   * elderly. Six communities (盛唐路社区 is one) of eight grids: 48 grids of ~875 people (~350 households), the usual
   * urban grid size (assumption: 300–500 households per grid). Dense: communities within 1.2 km of the street's
   * centre, grids within 350 m of theirs, homes within 250 m. Volunteers: Bayannur's 暖心服务小分队 have 24,005
   * members in 140 communities and 652 villages (article 002), ~30 per community → 180 here, plus employed party
   * members reporting to where they live (双报到, DOMAIN.md), assumed 120: 300. Demand: article 004's street
   * (宝日呼吉尔) did 1,137 errands and 225 home visits in its report; we assume the app takes 0.3 % of residents a
   * day (≈ 126 orders a day, ≈ 880 a week), far more than that — a stress test. On foot or e-bike: 10 km/h.
   */
  street: {
    name: 'street',
    title: '民馨路街道 (urban street, 42,000 residents)',
    tree: {
      center: { lat: 40.6485, lng: 109.8262 },
      towns: 1,
      communitiesPerTown: 6,
      gridsPerCommunity: 8,
      townSpreadKm: 0,
      communitySpreadKm: 1.2,
      gridSpreadKm: 0.35,
      rural: false,
    },
    residents: 42_000,
    volunteers: 300,
    ordersPerResidentPerDay: 0.003,
    ledgerShare: 0.15,
    homeSpreadM: 250,
    gridWorkers: { kind: 'office', perGrid: 1 },
    speedKmh: 10,
    employedShare: 0.45,
    dutyOn: [6, 10],
    dutyOff: [17, 22],
    keenness: [0.55, 0.4],
  },
  /**
   * A pastoral banner like 杭锦旗 (article 000): 6 苏木镇 and 76 嘎查村; 1,739 grid workers paired with 18,100
   * resident farming and herding households (≈ 45,000 people at 2.5 a household, assumption). Modelled: 6 苏木 of 13
   * 嘎查 (78) of 3 grids; the banner is ~19,000 km² (general knowledge, not in the articles), so 苏木 centres lie
   * within 60 km of the banner's seat, 嘎查 within 25 km of their 苏木, grids within 6 km of their 嘎查, homes within
   * 4 km of their grid. Every household has its paired grid worker (a herder, 7 per grid ≈ 1,739 / 234). Volunteers
   * are few per area: 8 per 嘎查 (assumption, a third of Bayannur's ~30 squad members per village, article 002) =
   * 624. Demand 0.3 % of residents a day (as the street). By car or motorbike on steppe roads: 40 km/h. Herders'
   * day: duty switched on 05:00–08:00, off 20:00–22:00, and on fewer days (herding; assumption).
   */
  pastoral: {
    name: 'pastoral',
    title: '杭锦旗-like pastoral banner (6 苏木, 78 嘎查)',
    tree: {
      center: { lat: 39.8333, lng: 108.7333 },
      towns: 6,
      communitiesPerTown: 13,
      gridsPerCommunity: 3,
      townSpreadKm: 60,
      communitySpreadKm: 25,
      gridSpreadKm: 6,
      rural: true,
    },
    residents: 45_000,
    volunteers: 624,
    ordersPerResidentPerDay: 0.003,
    ledgerShare: 0.2,
    homeSpreadM: 4000,
    gridWorkers: { kind: 'herder', perGrid: 7 },
    speedKmh: 40,
    employedShare: 0.1,
    dutyOn: [5, 8],
    dutyOff: [20, 22],
    keenness: [0.4, 0.4],
  },
};
