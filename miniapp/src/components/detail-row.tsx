import type { ReactNode } from 'react';
import { Text, View } from '@tarojs/components';

/** One labelled line of an order's details on the staff and volunteer pages (需求、居民、地址…). */
export function DetailRow({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  return (
    <View className={className ? `staff-detail__row ${className}` : 'staff-detail__row'}>
      <Text className='staff-detail__label'>{label}</Text>
      <Text className='staff-detail__value'>{children}</Text>
    </View>
  );
}
