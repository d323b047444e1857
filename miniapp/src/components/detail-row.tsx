import type { ReactNode } from 'react';
import type { OrderDto } from '@bangbang/shared';
import { Text, View } from '@tarojs/components';
import { formatTime } from '../services/labels';
import './detail-row.css';

/** A white card of DetailRows (an order's details, my part in a task). */
export function DetailCard({ children }: { children: ReactNode }) {
  return <View className='staff-detail'>{children}</View>;
}

/** One labelled line of an order's details on the staff and volunteer pages (需求、居民、地址…). */
export function DetailRow({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  return (
    <View className={className ? `staff-detail__row ${className}` : 'staff-detail__row'}>
      <Text className='staff-detail__label'>{label}</Text>
      <Text className='staff-detail__value'>{children}</Text>
    </View>
  );
}

/** Who the order is for and where: the resident (with the phone when the caller may see it) and the address. */
export function ResidentRows({ order }: { order: Pick<OrderDto, 'resident' | 'address' | 'regionName'> }) {
  return (
    <>
      <DetailRow label='居民'>
        {order.resident.name}
        {order.resident.phone ? ` · ${order.resident.phone}` : ''}
      </DetailRow>
      <DetailRow label='地址'>{order.address ?? order.regionName}</DetailRow>
    </>
  );
}

/** 期望时间: when the resident would like the service, if they said. */
export function PreferredTimeRow({ order }: { order: Pick<OrderDto, 'preferredStart' | 'preferredEnd'> }) {
  if (!order.preferredStart) return null;
  return (
    <DetailRow label='期望时间'>
      {formatTime(order.preferredStart)}
      {order.preferredEnd ? ` — ${formatTime(order.preferredEnd)}` : ''}
    </DetailRow>
  );
}
