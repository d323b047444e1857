import { useState } from 'react';
import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Dialog, Rate, TextArea } from '@nutui/nutui-react-taro';
import type { OrderAction, OrderDto } from '@bangbang/shared';
import { acceptOrder, cancelOrder, checkInOrder, confirmOrder, rejectOrder, releaseOrder, urgeOrder } from '../services/endpoints';
import { ApiError } from '../services/api';
import { orderButtons, type ButtonInput, type OrderButton } from '../services/order-buttons';
import { showError, showSuccess } from './feedback';

/**
 * Actions a page performs itself because they need its own screen: 完成服务 (note + photos) on the volunteer's
 * task page, 派单 (pick a candidate) and 撤回改派 (a reason, and someone else) on the dispatcher's order page.
 * Without a handler the button is not shown.
 */
type PageAction = 'complete' | 'dispatch' | 'recall';
export type PageActionHandlers = Partial<Record<PageAction, () => void>>;

/** The inputs only a page can ask for (see PageActionHandlers). */
const ON_THE_PAGE: readonly ButtonInput[] = ['complete', 'assignee', 'reassign'];

interface OrderActionsProps {
  order: OrderDto;
  /** The order as the server answered after an action (with the next `actions`). */
  onChanged: (order: OrderDto) => void;
  handlers?: PageActionHandlers;
  /** Show only these actions (a list row shows 接单 only, say). */
  only?: readonly OrderAction[];
  /** After a failed action (e.g. someone else was faster): the page reloads what it shows. */
  onFailed?: (error: unknown) => void;
}

/** Where the phone is, for check-in at the door; given up after a few seconds (check-in works without it). */
export async function whereAmI(): Promise<{ lat: number; lng: number } | undefined> {
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5000));
  // WeChat gives the map's coordinates (gcj02); a browser only GPS ones (Taro's H5 getLocation refuses gcj02)
  const located = Taro.getLocation({ type: process.env.TARO_ENV === 'h5' ? 'wgs84' : 'gcj02' }).then(
    (r) => ({ lat: r.latitude, lng: r.longitude }),
    () => undefined,
  );
  return Promise.race([located, timeout]);
}

type Asking = { button: OrderButton; text: string; rating: number } | undefined;

/**
 * The buttons an order shows, from `order.actions` (the shared state machine, computed for this person by the
 * server), with a confirm step for what cannot be undone: a reason for 取消 / 拒绝派单 / 退单, stars for 确认并评价,
 * what is still wrong for 问题未解决. Every answer replaces the order; every error shows the server's message.
 */
export function OrderActions({ order, onChanged, handlers = {}, only, onFailed }: OrderActionsProps) {
  const [busy, setBusy] = useState<OrderAction>();
  const [asking, setAsking] = useState<Asking>();

  const buttons = orderButtons(order.actions, only).filter((b) => !ON_THE_PAGE.includes(b.input) || handlers[b.action as PageAction] !== undefined);
  if (buttons.length === 0) return null;

  /** Sends one action; true when it went through (the order is replaced), false when the error was shown. */
  const run = async (action: OrderAction, send: () => Promise<OrderDto>, done: string | (() => string)): Promise<boolean> => {
    setBusy(action);
    try {
      const next = await send();
      showSuccess(typeof done === 'string' ? done : done());
      onChanged(next);
      return true;
    } catch (error) {
      showError(error);
      onFailed?.(error);
      return false;
    } finally {
      setBusy(undefined);
    }
  };

  const press = (b: OrderButton) => {
    if (ON_THE_PAGE.includes(b.input)) {
      handlers[b.action as PageAction]?.();
      return;
    }
    if (b.action === 'accept') void run('accept', () => acceptOrder(order.id), '接单成功');
    else if (b.action === 'check_in') {
      // without a location the check-in still counts (staff are told it has none): say so, not that it was far
      let located = true;
      void run(
        'check_in',
        async () => {
          const at = await whereAmI();
          located = at !== undefined;
          return checkInOrder(order.id, at);
        },
        () => (located ? '已签到' : '已签到（未获取到位置）'),
      );
    } else if (b.action === 'urge') void urge();
    else setAsking({ button: b, text: '', rating: 5 });
  };

  /** 催一下: one tap, after a word on what it does; what happened is said in a dialog (a toast is too short for it). */
  const urge = async () => {
    const asked = await Taro.showModal({
      title: '催一下',
      content: '工作人员会收到提醒，这个需求会按紧急处理。',
      confirmText: '催一下',
      cancelText: '再等等',
    });
    if (!asked.confirm) return;
    setBusy('urge');
    try {
      const next = await urgeOrder(order.id);
      onChanged(next);
      void Taro.showModal({ title: '已催办', content: '已催办，工作人员会尽快安排。', showCancel: false, confirmText: '知道了' });
    } catch (error) {
      // too early again (429) says how long to wait: read and dismissed, like a conflict
      if (error instanceof ApiError && error.status === 429) {
        void Taro.showModal({ title: '提示', content: error.message, showCancel: false, confirmText: '知道了' });
      } else showError(error);
      onFailed?.(error);
    } finally {
      setBusy(undefined);
    }
  };

  /**
   * The dialog's 确定. NutUI closes the dialog when this resolves and keeps it open when it rejects: a missing
   * reason or a failed request rejects, so what was typed stays there to correct or send again.
   */
  const submit = async (): Promise<void> => {
    if (asking === undefined) return;
    const { button, text, rating } = asking;
    const said = text.trim();
    if (button.input === 'reason' && said === '') {
      void Taro.showToast({ title: '请说明原因', icon: 'none' });
      throw new Error('a reason is needed');
    }
    const id = order.id;
    const sends: Partial<Record<OrderAction, [() => Promise<OrderDto>, string]>> = {
      cancel: [() => cancelOrder(id, said), '已取消'],
      reject: [() => rejectOrder(id, said), '已拒绝'],
      release: [() => releaseOrder(id, said), '已退单'],
      confirm: [() => confirmOrder(id, { resolved: true, rating, ...(said ? { comment: said } : {}) }), '感谢您的评价'],
      reopen: [() => confirmOrder(id, { resolved: false, ...(said ? { comment: said } : {}) }), '已重新打开'],
    };
    const chosen = sends[button.action];
    if (chosen === undefined) return;
    if (!(await run(button.action, chosen[0], chosen[1]))) throw new Error('not sent');
  };

  const placeholder =
    asking?.button.input === 'rating' ? '还想说点什么（可不填）' : asking?.button.input === 'comment' ? '哪里还没解决（可不填）' : '请填写原因（必填）';

  return (
    <View className='order-actions'>
      {buttons.map((b) => (
        <Button
          key={b.action}
          className={`order-actions__button order-actions__button--${b.action}`}
          type={b.tone}
          fill={b.tone === 'danger' ? 'outline' : 'solid'}
          size='large'
          block
          loading={busy === b.action}
          disabled={busy !== undefined}
          onClick={() => press(b)}
        >
          {b.label}
        </Button>
      ))}
      <Dialog
        className='order-actions__dialog'
        visible={asking !== undefined}
        title={asking?.button.input === 'rating' ? '服务满意吗？' : asking?.button.label}
        confirmText='确定'
        cancelText='再想想'
        onConfirm={submit}
        onCancel={() => setAsking(undefined)}
        onClose={() => setAsking(undefined)}
      >
        {asking && (
          <View className='order-actions__form'>
            {asking.button.confirm && <Text className='order-actions__confirm'>{asking.button.confirm}</Text>}
            {asking.button.input === 'rating' && (
              <View className='order-actions__rate'>
                <Rate value={asking.rating} onChange={(rating) => setAsking({ ...asking, rating: Math.max(1, rating) })} />
                <Text className='order-actions__rate-text'>{asking.rating} 星</Text>
              </View>
            )}
            <TextArea
              className='order-actions__text'
              value={asking.text}
              maxLength={asking.button.input === 'rating' ? 300 : 200}
              placeholder={placeholder}
              onChange={(text) => setAsking({ ...asking, text })}
            />
          </View>
        )}
      </Dialog>
    </View>
  );
}
