import { useState } from 'react';
import Taro, { usePullDownRefresh, useRouter } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Tag, TextArea } from '@nutui/nutui-react-taro';
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
import { dispatchOrder, getCandidates, getOrder, getOrderEvents, getOrderNotifications, markContentReviewed, recallOrder } from '../../../services/endpoints';
import { formatDistance, formatMinutes, formatTime, notificationLine } from '../../../services/labels';
import './index.css';
import { ProjectLink } from './project-link';

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

/**
 * The engine's candidates, best first, each with its reasons and one button: the picker of 派单, and of 撤回改派
 * (`verb` 改派给). `sending`: the candidate whose request is on its way (every button waits meanwhile).
 */
function CandidatePicker({
  candidates,
  verb,
  sending,
  buttonClass,
  onPick,
}: {
  candidates: readonly CandidateDto[];
  verb: string;
  sending: string | undefined;
  buttonClass: string;
  onPick: (c: CandidateDto) => void;
}) {
  return (
    <>
      {candidates.map((c, i) => (
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
            className={buttonClass}
            type='primary'
            size='large'
            block
            loading={sending === c.id}
            disabled={sending !== undefined}
            onClick={() => onPick(c)}
          >
            {verb}
            {c.name}
          </Button>
        </View>
      ))}
    </>
  );
}

/** Whom a recall would take the order from, in words: those who accepted it, or the one it was last dispatched to. */
function recalledNames(order: OrderDto, events: readonly OrderEventDto[]): string {
  const accepted = order.assignees.filter((a) => a.state === 'accepted').map((a) => a.name);
  if (accepted.length > 0) return accepted.join('、');
  const data = [...events].reverse().find((e) => e.type === 'dispatch')?.data ?? {};
  const name = typeof data.assigneeName === 'string' ? data.assigneeName : typeof data.squadName === 'string' ? data.squadName : null;
  return name ?? '被派单的人';
}

/** 撤回改派 in progress: the reason typed so far, and whom it may go to instead (loading: undefined). */
interface Recalling {
  reason: string;
  candidates: CandidateDto[] | undefined;
}

/** The actions a volunteer takes (a grid worker may hold the order too): they are done on the task page. */
const TASK_ACTIONS = ['accept', 'reject', 'release', 'check_in', 'complete'] as const;

/**
 * One order for the dispatcher (需求详情): everything about it, its timeline, and — while it waits — the matching
 * engine's candidates, best first, each with the reasons it was suggested and a one-tap 「派单」. Dispatched, or
 * accepted before anyone checked in: 「撤回改派」 asks a reason and offers the candidates, one request.
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

  // 撤回改派: a reason, then one request — taken back only, or sent to a candidate in the same step
  const [recalling, setRecalling] = useState<Recalling>();
  const [recallSending, setRecallSending] = useState<string>();
  const openRecall = async () => {
    const current = view.data?.order;
    if (!current) return;
    // under way (others are serving): the places taken back go to the task hall, not to someone picked here
    if (current.status === 'in_service') {
      setRecalling({ reason: '', candidates: [] });
      return;
    }
    setRecalling({ reason: '', candidates: undefined });
    // the people it is taken from are not offered it again
    const taken = new Set([
      current.dispatchedToUserId,
      current.dispatchedToSquadId,
      ...current.assignees.filter((a) => a.state === 'accepted').map((a) => a.userId),
    ]);
    const found = await getCandidates(id, 10).then(
      (answer) => answer.items.filter((c) => !taken.has(c.id)),
      () => [] as CandidateDto[],
    );
    setRecalling((r) => (r === undefined ? r : { ...r, candidates: found }));
  };
  const recall = async (to: CandidateDto | undefined) => {
    if (recalling === undefined) return;
    const reason = recalling.reason.trim();
    if (reason === '') {
      void Taro.showToast({ title: '请填写撤回原因', icon: 'none' });
      return;
    }
    setRecallSending(to?.id ?? '');
    try {
      const next = await recallOrder(id, { reason, ...(to === undefined ? {} : to.kind === 'squad' ? { squadId: to.id } : { assigneeId: to.id }) });
      if (view.data) view.setData({ ...view.data, order: next, candidates: [] });
      setRecalling(undefined);
      showSuccess(to === undefined ? '已撤回' : `已改派给${to.name}`);
      void view.reload();
    } catch (error) {
      showError(error);
      void view.reload();
    } finally {
      setRecallSending(undefined);
    }
  };

  const order = view.data?.order;
  const candidates = view.data?.candidates ?? [];
  // those on it now: not people who gave it back, never came, went with a cancellation or were taken off it (撤回)
  const holder = order?.assignees.filter((a) => a.state === 'accepted' || a.state === 'in_service' || a.state === 'completed') ?? [];

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
                  {order.waitedMinutes !== null ? ` · 已等待 ${formatMinutes(order.waitedMinutes)}` : ''}
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
            <ProjectLink order={order} />

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
                  <CandidatePicker
                    candidates={candidates}
                    verb='派给'
                    sending={sending}
                    buttonClass='dispatch-order__send'
                    onPick={(c) => void dispatchTo(c)}
                  />
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

            {recalling === undefined && (
              <OrderActions
                order={order}
                only={['recall', 'cancel']}
                handlers={{ recall: () => void openRecall() }}
                onChanged={(next) => {
                  if (view.data) view.setData({ ...view.data, order: next, candidates: [] });
                  void view.reload();
                }}
                onFailed={() => void view.reload()}
              />
            )}

            {recalling !== undefined && (
              <View className='dispatch-order__recall'>
                <SectionTitle>撤回改派</SectionTitle>
                <Section>
                  <Hint>
                    撤回后，{recalledNames(order, view.data?.events ?? [])}会收到通知
                    {order.status === 'in_service' ? '。' : '；可以同时改派给下面的人选。'}
                  </Hint>
                  <TextArea
                    className='dispatch-order__recall-reason'
                    value={recalling.reason}
                    maxLength={200}
                    placeholder='撤回原因（必填），如：联系不上接单人'
                    onChange={(reason) => setRecalling({ ...recalling, reason })}
                  />
                </Section>
                {recalling.candidates === undefined ? (
                  <Hint>正在查找可以改派的人选…</Hint>
                ) : order.status === 'in_service' ? (
                  <Hint>服务已经开始：撤回后空出的名额回到任务大厅，等其他人接单补位。</Hint>
                ) : recalling.candidates.length === 0 ? (
                  <Hint>现在没有其他合适的人选，可以只撤回，需求回到待接单。</Hint>
                ) : (
                  <CandidatePicker
                    candidates={recalling.candidates}
                    verb='撤回并改派给'
                    sending={recallSending}
                    buttonClass='dispatch-order__resend'
                    onPick={(c) => void recall(c)}
                  />
                )}
                <View className='staff-more'>
                  <Button
                    className='dispatch-order__recall-only'
                    block
                    size='large'
                    type='danger'
                    fill='outline'
                    loading={recallSending === ''}
                    disabled={recallSending !== undefined}
                    onClick={() => void recall(undefined)}
                  >
                    只撤回，暂不改派
                  </Button>
                  <Button
                    className='dispatch-order__recall-cancel'
                    block
                    size='large'
                    fill='none'
                    disabled={recallSending !== undefined}
                    onClick={() => setRecalling(undefined)}
                  >
                    不撤回了
                  </Button>
                </View>
              </View>
            )}

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
