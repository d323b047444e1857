import type { PropsWithChildren, ReactNode } from 'react';
import { Text, View } from '@tarojs/components';
import { Tag } from '@nutui/nutui-react-taro';
import { ESCALATION_LEVEL_NAMES, shortOfPeople, type MatchReason, type OrderDto, type OrderStatus } from '@bangbang/shared';
import { StatusTag, UrgencyTag } from './status-tag';
import { formatMinutes, formatTime } from '../services/labels';
import './staff-order-card.css';

/** Waiting past the category's acceptance deadline (nobody has taken it yet). */
export function isOverdue(order: Pick<OrderDto, 'status' | 'deadlineAt'>, now: number = Date.now()): boolean {
  return (order.status === 'pending' || order.status === 'dispatched') && Date.parse(order.deadlineAt) < now;
}

/** Moved up from the grid (三级联动): the grid could not handle it in time. */
export function isEscalated(order: Pick<OrderDto, 'escalationLevel'>): boolean {
  return order.escalationLevel !== 'grid';
}

/**
 * What needs a dispatcher first: overdue, then escalated, then urgent; among overdue ones the longest waiting first
 * (as the server's board sends them, 兜底), otherwise newest first. The server pages by time, so this orders what is
 * on screen.
 */
export function byUrgencyOfAttention(a: OrderDto, b: OrderDto, now: number = Date.now()): number {
  const weight = (o: OrderDto) => (isOverdue(o, now) ? 4 : 0) + (isEscalated(o) ? 2 : 0) + (o.urgency === 'urgent' ? 1 : 0);
  const bothOverdue = isOverdue(a, now) && isOverdue(b, now);
  return weight(b) - weight(a) || (bothOverdue ? Date.parse(a.createdAt) - Date.parse(b.createdAt) : Date.parse(b.createdAt) - Date.parse(a.createdAt));
}

/** 「已等待 N 分钟 · 兜底：某某」: how long an overdue order's resident has waited, and who answers for it. */
export function waitingLine(order: Pick<OrderDto, 'waitedMinutes' | 'responsible'>): string | null {
  if (order.waitedMinutes === null) return null;
  return `已等待 ${formatMinutes(order.waitedMinutes)}${order.responsible ? ` · 兜底：${order.responsible.name}` : ''}`;
}

/** Tag colours of these screens: outline tags, dark enough to read on white (NutUI's plain types draw black here). */
export const TAG_COLORS = { red: '#c8102e', orange: '#ad4e00', blue: '#1d4ed8', purple: '#6d28d9', green: '#15803d' } as const;

/** An outline tag in one of TAG_COLORS (a ledger tag, a reason, a warning). */
export function StaffTag({ color, children }: PropsWithChildren<{ color: keyof typeof TAG_COLORS }>) {
  return (
    <Tag className='status-tag' plain background={TAG_COLORS[color]}>
      {children}
    </Tag>
  );
}

const OPEN: readonly string[] = ['pending', 'dispatched', 'accepted', 'in_service'];

/**
 * What a dispatcher must see first: 催办 N 次 (the resident urged it), 已超时 (past the acceptance deadline), 已升级至… (三级联动), 内容待审核 (WeChat's
 * content check asked a person to look at its text, or could not check it).
 */
export function AttentionTags({
  order,
}: {
  order: Pick<OrderDto, 'status' | 'deadlineAt' | 'escalationLevel'> & Partial<Pick<OrderDto, 'contentReview' | 'urgeCount'>>;
}) {
  return (
    <>
      {/* the resident pressed 催一下: how many times, while it is still open */}
      {(order.urgeCount ?? 0) > 0 && OPEN.includes(order.status) && <StaffTag color='red'>催办 {order.urgeCount} 次</StaffTag>}
      {order.contentReview && <StaffTag color='orange'>内容待审核</StaffTag>}
      {isOverdue(order) && (
        <Tag className='status-tag' type='danger'>
          已超时
        </Tag>
      )}
      {isEscalated(order) && <StaffTag color='orange'>已升级至{ESCALATION_LEVEL_NAMES[order.escalationLevel]}</StaffTag>}
    </>
  );
}

/** Why the engine suggested someone (同网格, 距离 300 米 …), as blue tags. */
export function ReasonTags({ reasons }: { reasons: readonly MatchReason[] }) {
  return (
    <View className='staff-reasons'>
      {reasons.map((r) => (
        <StaffTag key={r.code} color='blue'>
          {r.text}
        </StaffTag>
      ))}
    </View>
  );
}

interface StaffOrderCardProps {
  order: OrderDto;
  onClick?: () => void;
  /** Shown on the title row's right (distance in the task hall). */
  extra?: ReactNode;
  /** Warnings (超时, 已升级) are for dispatchers; the task hall leaves them out. */
  showFlags?: boolean;
  /** The task hall shows only open orders: their status says nothing there. */
  showStatus?: boolean;
  /** The status to show instead of the order's (a volunteer's own state on a several-person order: myStatus). */
  status?: OrderStatus;
}

/**
 * One order as the staff and volunteer lists show it: service, status, who and where (masked unless the viewer may
 * see them), when; buttons go in `children`.
 */
export function StaffOrderCard({ order, onClick, extra, showFlags = true, showStatus = true, status, children }: PropsWithChildren<StaffOrderCardProps>) {
  const overdue = showFlags && isOverdue(order);
  const waiting = showFlags ? waitingLine(order) : null;
  return (
    <View className={`staff-card ${overdue ? 'staff-card--overdue' : ''}`} onClick={onClick}>
      <View className='staff-card__head'>
        <Text className='staff-card__title'>{order.categoryName}</Text>
        {extra !== undefined && <Text className='staff-card__extra'>{extra}</Text>}
      </View>
      <View className='staff-card__tags'>
        {showStatus && <StatusTag status={status ?? order.status} />}
        <UrgencyTag urgency={order.urgency} />
        {showFlags && <AttentionTags order={order} />}
        {order.headcount > 1 &&
          (shortOfPeople(order.status, order.acceptedCount, order.headcount) ? (
            // under way, a place taken back by staff: whoever takes it joins the people already there
            <StaffTag color='orange'>服务中 · 缺 {order.headcount - order.acceptedCount} 人补位</StaffTag>
          ) : (
            <StaffTag color='blue'>
              需 {order.headcount} 人 · 已 {order.acceptedCount} 人
            </StaffTag>
          ))}
      </View>
      {waiting !== null && <Text className='staff-card__waiting'>{waiting}</Text>}
      <Text className='staff-card__desc'>{order.description}</Text>
      <View className='staff-card__meta'>
        <Text>
          {order.resident.name} · {order.regionName}
        </Text>
        {order.address && <Text>{order.address}</Text>}
        <Text className='staff-card__time'>
          {formatTime(order.createdAt)} 下单
          {order.preferredStart ? ` · 期望 ${formatTime(order.preferredStart)}` : ''}
        </Text>
      </View>
      {children !== undefined && children !== null && children !== false && <View className='staff-card__actions'>{children}</View>}
    </View>
  );
}
