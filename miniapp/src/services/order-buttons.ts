import { ORDER_ACTION_NAMES, type OrderAction } from '@bangbang/shared';

/**
 * The buttons an order shows, derived from the `actions` the server computed with the shared state machine
 * (`availableActions`): pure (no Taro), so the tests check every role and status against the machine.
 */

/** What a button needs from the person before its request can be sent. */
export type ButtonInput =
  /** nothing: one tap (接单, 签到) */
  | 'none'
  /** a reason, which goes on the timeline (取消, 拒绝派单, 退单) */
  | 'reason'
  /** resolved + 1–5 stars + an optional word (确认并评价) */
  | 'rating'
  /** what was not solved (问题未解决: the order reopens) */
  | 'comment'
  /** a note and photos (完成服务): the volunteer's task page provides it */
  | 'complete'
  /** a person or squad to send it to (派单): the dispatcher's order page provides it */
  | 'assignee'
  /** a reason, and someone to send it to instead if staff choose (撤回改派): the dispatcher's order page provides it */
  | 'reassign';

export interface OrderButton {
  action: OrderAction;
  label: string;
  /** NutUI button type: the way forward is primary, what undoes or gives up is danger. */
  tone: 'primary' | 'default' | 'danger';
  input: ButtonInput;
  /** Asked before anything is sent, for what cannot be taken back. */
  confirm: string | null;
}

const BUTTONS: Record<OrderAction, Omit<OrderButton, 'action'>> = {
  dispatch: { label: ORDER_ACTION_NAMES.dispatch, tone: 'primary', input: 'assignee', confirm: null },
  accept: { label: ORDER_ACTION_NAMES.accept, tone: 'primary', input: 'none', confirm: null },
  check_in: { label: '到达签到', tone: 'primary', input: 'none', confirm: null },
  complete: { label: ORDER_ACTION_NAMES.complete, tone: 'primary', input: 'complete', confirm: null },
  confirm: { label: ORDER_ACTION_NAMES.confirm, tone: 'primary', input: 'rating', confirm: null },
  reopen: { label: ORDER_ACTION_NAMES.reopen, tone: 'default', input: 'comment', confirm: '确定问题没有解决吗？需求将重新打开，继续为您安排。' },
  reject: { label: ORDER_ACTION_NAMES.reject, tone: 'danger', input: 'reason', confirm: '确定不接这个派单吗？' },
  release: { label: ORDER_ACTION_NAMES.release, tone: 'danger', input: 'reason', confirm: '确定退单吗？退单会记入您的服务记录。' },
  cancel: { label: '取消需求', tone: 'danger', input: 'reason', confirm: '确定取消这个需求吗？取消后不能恢复。' },
  recall: { label: ORDER_ACTION_NAMES.recall, tone: 'danger', input: 'reassign', confirm: '确定撤回吗？接单人会收到通知。' },
  // a one-tap nudge: OrderActions says what it does before sending (not a confirm of something that cannot be undone)
  urge: { label: ORDER_ACTION_NAMES.urge, tone: 'default', input: 'none', confirm: null },
};

/** The order buttons appear in: the way forward first, giving up last. */
const ORDER: readonly OrderAction[] = ['accept', 'check_in', 'complete', 'confirm', 'dispatch', 'reopen', 'urge', 'reject', 'release', 'recall', 'cancel'];

/**
 * The buttons for these actions, in display order. `only` keeps a page to the actions it handles (a page
 * without a way to pick an assignee must not show 派单: no button that does nothing).
 */
export function orderButtons(actions: readonly OrderAction[], only?: readonly OrderAction[]): OrderButton[] {
  return ORDER.filter((a) => actions.includes(a) && (only === undefined || only.includes(a))).map((action) => ({ action, ...BUTTONS[action] }));
}

export function buttonFor(action: OrderAction): OrderButton {
  return { action, ...BUTTONS[action] };
}
