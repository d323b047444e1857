import { useState } from 'react';
import Taro, { usePullDownRefresh, useRouter } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Tag } from '@nutui/nutui-react-taro';
import {
  DISPATCH_MODE_NAMES,
  NOTIFICATION_KIND_INFO,
  ORDER_CHANNEL_NAMES,
  type CandidateDto,
  type OrderDto,
  type OrderEventDto,
  type OrderNotificationDto,
} from '@bangbang/shared';
import {
  DetailRow,
  OrderActions,
  OrderHeader,
  OrderTimeline,
  PageState,
  firstLoad,
  PreferredTimeRow,
  showError,
  showSuccess,
  useLiveReload,
  useLoader,
} from '../../../components';
import { Hint, Section, SectionTitle, StaffPage } from '../../../components/staff-page';
import { AttentionTags, ReasonTags, StaffTag } from '../../../components/staff-order-card';
import { dispatchOrder, getCandidates, getOrder, getOrderEvents, getOrderNotifications, markContentReviewed } from '../../../services/endpoints';
import { formatDistance, formatMinutes, formatTime, notificationLine } from '../../../services/labels';
import './index.css';

interface OrderView {
  order: OrderDto;
  events: OrderEventDto[];
  /** The engine's suggestions, only while the order may be dispatched by me. */
  candidates: CandidateDto[];
  /** 通知记录: who was told what about it, by which channel (empty when it cannot be read). */
  notified: OrderNotificationDto[];
}

async function loadOrderView(id: string): Promise<OrderView> {
  const [order, { items: events }, notified] = await Promise.all([
    getOrder(id),
    getOrderEvents(id),
    // the record is extra: the order's page must not fail when only it does
    getOrderNotifications(id).then(
      (answer) => answer.items,
      () => [] as OrderNotificationDto[],
    ),
  ]);
  const candidates = order.actions.includes('dispatch') ? (await getCandidates(id, 10)).items : [];
  return { order, events, candidates, notified };
}

/** The actions a volunteer takes (a grid worker may hold the order too): they are done on the task page. */
const TASK_ACTIONS = ['accept', 'reject', 'release', 'check_in', 'complete'] as const;

/**
 * One order for the dispatcher (需求详情): everything about it, its timeline, and — while it waits — the matching
 * engine's candidates, best first, each with the reasons it was suggested and a one-tap 「派单」.
 */
export default function DispatchOrder() {
  const id = useRouter().params.id ?? '';
  const view = useLoader(() => loadOrderView(id), [id], { refreshOnShow: true });
  const [sending, setSending] = useState<string>();

  usePullDownRefresh(() => {
    void view.reload().finally(() => Taro.stopPullDownRefresh());
  });
  // accepted from the hall, escalated, checked in: the page (and its candidates) follow
  useLiveReload(() => void view.reload(), { orderId: id });

  const dispatchTo = async (c: CandidateDto) => {
    setSending(c.id);
    try {
      const order = await dispatchOrder(id, c.kind === 'squad' ? { squadId: c.id } : { assigneeId: c.id });
      if (view.data) view.setData({ ...view.data, order, candidates: [] });
      showSuccess(`已派给${c.name}`);
      void view.reload();
    } catch (error) {
      showError(error);
      // the order may have moved on (someone accepted it from the hall): show it as it is now
      void view.reload();
    } finally {
      setSending(undefined);
    }
  };

  const [clearing, setClearing] = useState(false);
  const clearReview = async () => {
    setClearing(true);
    try {
      const next = await markContentReviewed(id);
      if (view.data) view.setData({ ...view.data, order: next });
      showSuccess('已标记为审核通过');
    } catch (error) {
      showError(error);
      void view.reload();
    } finally {
      setClearing(false);
    }
  };

  const order = view.data?.order;
  const candidates = view.data?.candidates ?? [];
  const holder = order?.assignees.filter((a) => a.state !== 'released' && a.state !== 'cancelled' && a.state !== 'no_show') ?? [];

  return (
    <StaffPage className='dispatch-order'>
      <PageState {...firstLoad(view)}>
        {order && (
          <View>
            <OrderHeader
              order={order}
              tags={
                <>
                  <AttentionTags order={order} />
                  {order.farCheckIn && (
                    <Tag className='status-tag' type='warning'>
                      签到距离异常
                    </Tag>
                  )}
                </>
              }
            >
              <DetailRow label='所属'>{order.regionName}</DetailRow>
              <DetailRow label='下单'>
                {formatTime(order.createdAt)} · {ORDER_CHANNEL_NAMES[order.channel]}
              </DetailRow>
              <DetailRow label='接单时限'>
                {formatTime(order.deadlineAt)} 前
                {order.escalateAt === null
                  ? ''
                  : order.escalateAt === order.deadlineAt
                    ? '（未接单将升级）'
                    : ` · ${formatTime(order.escalateAt)} 未接单将升级`}
              </DetailRow>
              <PreferredTimeRow order={order} />
              {order.responsible && (
                <DetailRow label='兜底责任人'>
                  {order.responsible.name}
                  {order.responsible.phone ? ` · ${order.responsible.phone}` : ''}
                  {order.waitedMinutes !== null ? ` · 已等待 ${order.waitedMinutes} 分钟` : ''}
                </DetailRow>
              )}
              <DetailRow label='派单方式' className='elder-hide'>
                {DISPATCH_MODE_NAMES[order.dispatchMode]}
              </DetailRow>
              {holder.map((a) => (
                <DetailRow key={a.userId} label='接单人'>
                  {a.name} · {formatTime(a.acceptedAt)} 接单
                  {a.checkedInAt
                    ? ` · ${formatTime(a.checkedInAt)} 签到${a.checkInDistanceMeters !== null ? `（距 ${formatDistance(a.checkInDistanceMeters)}）` : ''}`
                    : ''}
                  {a.serviceMinutes !== null ? ` · 服务 ${formatMinutes(a.serviceMinutes)}` : ''}
                </DetailRow>
              ))}
              {order.rating !== null && (
                <DetailRow label='评价'>
                  {order.rating} 星{order.ratingComment ? ` · ${order.ratingComment}` : ''}
                </DetailRow>
              )}
              {order.cancelReason && <DetailRow label='取消原因'>{order.cancelReason}</DetailRow>}
            </OrderHeader>

            {order.contentReview && (
              <Section>
                <Text className='dispatch-order__review'>
                  {order.contentReview === 'review'
                    ? '微信内容安全检测建议人工查看这个需求的文字。请看过描述和地址：内容无碍就保留；不宜保留请取消需求并说明原因。'
                    : '下单时微信内容安全检测暂时不可用，这个需求的文字未经检测。请看过描述和地址：内容无碍就保留；不宜保留请取消需求并说明原因。'}
                </Text>
                <Button
                  className='dispatch-order__review-ok'
                  type='primary'
                  fill='outline'
                  block
                  loading={clearing}
                  disabled={clearing}
                  onClick={() => void clearReview()}
                >
                  内容无碍，保留需求
                </Button>
              </Section>
            )}

            {order.actions.includes('dispatch') && (
              <View className='dispatch-order__candidates'>
                <SectionTitle>推荐人选（由高到低）</SectionTitle>
                {candidates.length === 0 ? (
                  <Hint>现在没有合适的人选（没有在岗、有此技能、手头不满的志愿者）。需求会留在任务大厅，超时后自动升级。</Hint>
                ) : (
                  candidates.map((c, i) => (
                    <View key={`${c.kind}-${c.id}`} className='staff-candidate'>
                      <View className='staff-candidate__head'>
                        <View>
                          <Text className='staff-candidate__name'>
                            {i + 1}. {c.name}
                          </Text>
                          <StaffTag color={c.kind === 'squad' ? 'purple' : 'green'}>{c.kind === 'squad' ? '小分队' : '志愿者'}</StaffTag>
                        </View>
                        <Text className='staff-candidate__score'>{c.score} 分</Text>
                      </View>
                      <ReasonTags reasons={c.reasons} />
                      <Button
                        className='dispatch-order__send'
                        type='primary'
                        size='large'
                        block
                        loading={sending === c.id}
                        disabled={sending !== undefined}
                        onClick={() => void dispatchTo(c)}
                      >
                        派给{c.name}
                      </Button>
                    </View>
                  ))
                )}
              </View>
            )}

            {order.actions.some((a) => (TASK_ACTIONS as readonly string[]).includes(a)) && (
              <View className='staff-more'>
                <Button
                  block
                  size='large'
                  type='primary'
                  fill='outline'
                  onClick={() => void Taro.navigateTo({ url: `/pages/volunteer/task/index?id=${order.id}` })}
                >
                  我来接单 / 处理任务
                </Button>
              </View>
            )}

            <OrderActions
              order={order}
              only={['cancel']}
              onChanged={(next) => {
                if (view.data) view.setData({ ...view.data, order: next, candidates: [] });
                void view.reload();
              }}
              onFailed={() => void view.reload()}
            />

            <SectionTitle>进度</SectionTitle>
            <Section>
              <OrderTimeline events={view.data?.events ?? []} />
            </Section>

            {(view.data?.notified.length ?? 0) > 0 && (
              <View className='dispatch-order__notified'>
                <SectionTitle>通知记录</SectionTitle>
                <Section>
                  <View className='dispatch-order__notified-list'>
                    {view.data!.notified.map((n, i) => (
                      <View key={`${n.at}-${i}`} className={`dispatch-order__notified-item dispatch-order__notified-item--${n.status ?? 'inbox'}`}>
                        <Text className='dispatch-order__notified-line'>{notificationLine(n)}</Text>
                        <Text className='dispatch-order__notified-kind'>{NOTIFICATION_KIND_INFO[n.kind].label}</Text>
                      </View>
                    ))}
                  </View>
                </Section>
              </View>
            )}
          </View>
        )}
      </PageState>
    </StaffPage>
  );
}
