import Taro from '@tarojs/taro';
import { Button } from '@nutui/nutui-react-taro';
import { User } from '@nutui/icons-react-taro';
import { ME_PAGE } from '../services/roles';
import { UnreadBadge } from './unread-badge';

/**
 * The way to 「我的」 (role switching, elder mode, logout, 消息中心) from a workspace's home: there is no tab bar. The
 * inbox's unread count sits on it.
 */
export function MeEntry({ className }: { className?: string }) {
  return (
    <UnreadBadge>
      <Button
        className={`me-entry ${className ?? ''}`}
        size='small'
        fill='outline'
        icon={<User size={16} />}
        onClick={() => void Taro.navigateTo({ url: ME_PAGE })}
      >
        我的
      </Button>
    </UnreadBadge>
  );
}
