import type { ReactNode } from 'react';
import { Badge } from '@nutui/nutui-react-taro';
import { useUnread } from '../services/live';

/**
 * The inbox's unread count (消息中心) as a red number on what leads there: the 「我的」 buttons of the workspaces'
 * homes and the 消息中心 entry in 我的. Nothing is drawn at 0. Without children: the number alone.
 */
export function UnreadBadge({ className, children }: { className?: string; children?: ReactNode }) {
  const unread = useUnread();
  return (
    <Badge className={`unread-badge ${className ?? ''}`} value={unread} max={99} top={children ? 2 : 0} right={children ? 6 : 0}>
      {children}
    </Badge>
  );
}
