import type { ReactNode } from 'react';
import { Text, View } from '@tarojs/components';
import type { OrderDto, OrderStatus } from '@bangbang/shared';
import { DetailCard, DetailRow, ResidentRows } from './detail-row';
import { StatusTag, UrgencyTag } from './status-tag';
import './order-header.css';

interface OrderHeaderProps {
  order: Pick<OrderDto, 'categoryName' | 'status' | 'urgency' | 'description' | 'resident' | 'address' | 'regionName'>;
  /** More tags after the status and urgency (the dispatcher's 已超时, 已升级, 签到距离异常). */
  tags?: ReactNode;
  /** The page's own rows under 需求, 居民 and 地址 (and its buttons). */
  children?: ReactNode;
  /** The status to show instead of the order's (a volunteer's own state on a several-person order: myStatus). */
  status?: OrderStatus;
}

/**
 * The head of an order's page for the people who serve it (需求详情 of the dispatcher, 任务详情 of the volunteer):
 * the service, its status and urgency, what is needed, for whom and where, on one card with the page's own rows.
 */
export function OrderHeader({ order, tags, children, status }: OrderHeaderProps) {
  return (
    <DetailCard>
      <View className='staff-detail__row'>
        <Text className='order-header__title'>{order.categoryName}</Text>
      </View>
      <View className='order-header__tags'>
        <StatusTag status={status ?? order.status} />
        <UrgencyTag urgency={order.urgency} />
        {tags}
      </View>
      <DetailRow label='需求'>{order.description}</DetailRow>
      <ResidentRows order={order} />
      {children}
    </DetailCard>
  );
}
