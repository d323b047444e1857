import type { PropsWithChildren, ReactNode } from 'react';
import { Text, View } from '@tarojs/components';
import { AppPage } from './app-page';
import './staff-page.css';

/**
 * The root of a page of the volunteer and staff workspaces (志愿者 · 网格员 · 调度员): an `AppPage` on the
 * workspaces' grey, with their tab colours. Imported by those pages directly, not through the components index, so
 * its stylesheet reaches only them.
 */
export function StaffPage({ className, children }: PropsWithChildren<{ className: string }>) {
  return <AppPage className={`staff-page ${className}`}>{children}</AppPage>;
}

/** A block of the page with the side margins of the cards (tabs, a timeline). */
export function Section({ children }: { children: ReactNode }) {
  return <View className='staff-section'>{children}</View>;
}

/** The title over a part of the page (推荐人选, 进度, 已完成的服务 …). */
export function SectionTitle({ children }: { children: ReactNode }) {
  return <Text className='staff-section__title'>{children}</Text>;
}

/** A line of help or of what is missing, in small grey type (black and larger in elder mode). */
export function Hint({ className, children }: { className?: string; children: ReactNode }) {
  return <Text className={className ? `staff-hint ${className}` : 'staff-hint'}>{children}</Text>;
}
