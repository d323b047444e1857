import Taro from '@tarojs/taro';
import type { NotificationKind, SubscriptionsDto } from '@bangbang/shared';
import { getSubscriptions, reportSubscriptions } from './endpoints';

/**
 * WeChat subscription messages (订阅消息): the person allows them one at a time, at a natural moment — after
 * ordering (接单 / 完成), going on duty (派单 / 附近新需求), on the staff's board. WeChat's rules (PITFALLS.md):
 * `requestSubscribeMessage` works only from a tap, with at most 3 templates a call, and each 允许 is one send. So the
 * templates are loaded beforehand (`preloadSubscriptions` when the page opens) and `askFor` calls WeChat at once,
 * inside the tap, with no network wait before it. In H5 there is nothing to ask: it does nothing.
 */

const isWeapp = process.env.TARO_ENV === 'weapp';

/** WeChat's limit on one `requestSubscribeMessage`. */
export const MAX_TEMPLATES_PER_ASK = 3;

let templates: SubscriptionsDto['templates'] | undefined;
/** Template id → sends left (each 允许 is one). */
let quota: SubscriptionsDto['quota'] = {};
let loading: Promise<void> | undefined;

/** Loads the templates (once per app run; again after a failure) so that a later tap can ask without waiting. */
export function preloadSubscriptions(): Promise<void> {
  if (!isWeapp) return Promise.resolve();
  if (templates !== undefined) return Promise.resolve();
  loading ??= getSubscriptions().then(
    (answer) => {
      templates = answer.templates;
      quota = answer.quota;
    },
    () => {
      // no templates configured or no network: nothing to ask for now; try again next time
      loading = undefined;
    },
  );
  return loading;
}

/**
 * How many WeChat messages these kinds can still be sent, by the fewest of their templates (what the person is told
 * in 消息设置); undefined while unknown (H5, not loaded, or no template configured).
 */
export function sendsLeft(kinds: readonly NotificationKind[]): number | undefined {
  if (templates === undefined) return undefined;
  const ids = templateIdsFor(templates, kinds);
  if (ids.length === 0) return undefined;
  return Math.min(...ids.map((id) => quota[id] ?? 0));
}

/** The distinct template ids for these kinds, in order, at most 3 (several kinds may share one template). */
export function templateIdsFor(known: SubscriptionsDto['templates'], kinds: readonly NotificationKind[]): string[] {
  const ids: string[] = [];
  for (const kind of kinds) {
    const id = known[kind];
    if (id !== undefined && id !== '' && !ids.includes(id)) ids.push(id);
  }
  return ids.slice(0, MAX_TEMPLATES_PER_ASK);
}

/** The ids WeChat's answer marks 'accept' (the others are 'reject', 'ban' or 'filter'). */
export function acceptedIds(answer: Record<string, unknown>, asked: readonly string[]): string[] {
  return asked.filter((id) => answer[id] === 'accept');
}

/**
 * Asks WeChat for these kinds' templates; must be called synchronously from a tap handler (before any `await`).
 * Resolves when the person answered and the server was told what they accepted; never rejects (a refusal or a
 * failure only means they will be told another way). Resolves with the number of templates accepted.
 */
export function askFor(kinds: readonly NotificationKind[]): Promise<number> {
  if (!isWeapp) return Promise.resolve(0);
  if (templates === undefined) {
    // not loaded yet: WeChat would refuse a call made after the wait, so load for the next tap and ask nothing now
    void preloadSubscriptions();
    return Promise.resolve(0);
  }
  const tmplIds = templateIdsFor(templates, kinds);
  if (tmplIds.length === 0) return Promise.resolve(0);
  // Taro's type also demands Alipay's `entityIds`; WeChat takes `tmplIds` only
  return Taro.requestSubscribeMessage({ tmplIds } as Taro.requestSubscribeMessage.Option)
    .then(async (answer) => {
      const accepted = acceptedIds(answer as unknown as Record<string, unknown>, tmplIds);
      if (accepted.length > 0) {
        const answer = await reportSubscriptions({ accepted });
        if (answer?.quota) quota = answer.quota;
      }
      return accepted.length;
    })
    .catch(() => 0);
}
