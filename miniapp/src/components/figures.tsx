import type { ReactNode } from 'react';
import { Text, View } from '@tarojs/components';
import './figures.css';

/** Figures two to a row (服务记录, 统计). */
export function Figures({ children }: { children: ReactNode }) {
  return <View className='staff-figures'>{children}</View>;
}

interface FigureProps {
  label: string;
  /** The big number; or give `children` (a small chart) instead. */
  value?: string;
  className?: string;
  children?: ReactNode;
}

/** One figure: a big number (or a small chart) over its label. */
export function Figure({ label, value, className, children }: FigureProps) {
  return (
    <View className={className ? `staff-figure ${className}` : 'staff-figure'}>
      {value !== undefined && <Text className='staff-figure__value'>{value}</Text>}
      {children}
      <Text className='staff-figure__label'>{label}</Text>
    </View>
  );
}
