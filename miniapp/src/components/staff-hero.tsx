import type { ReactNode } from 'react';
import { Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { Button, type ButtonProps } from '@nutui/nutui-react-taro';
import { ME_PAGE } from '../services/roles';
import { UnreadBadge } from './unread-badge';
import './staff-hero.css';

interface StaffHeroProps {
  name: string;
  /** Under the name: the role and place, the duty, the hours served. */
  sub: ReactNode;
  /** On the right of the name (the duty switch). */
  aside?: ReactNode;
  /** A line under it all, in bold (can I take orders now?). */
  state?: ReactNode;
}

/** The red header card of a workspace's home: who I am and where I stand. */
export function StaffHero({ name, sub, aside, state }: StaffHeroProps) {
  return (
    <View className='staff-hero'>
      <View className='staff-hero__row'>
        <View>
          <Text className='staff-hero__name'>{name}</Text>
          <Text className='staff-hero__sub'>{sub}</Text>
        </View>
        {aside}
      </View>
      {state !== undefined && <Text className='staff-hero__state'>{state}</Text>}
    </View>
  );
}

/** The big buttons under the header, three to a row. */
export function StaffNav({ children }: { children: ReactNode }) {
  return <View className='staff-nav'>{children}</View>;
}

/** One of StaffNav's buttons: large, a third of the row. */
export function NavButton({ className, ...props }: Partial<ButtonProps>) {
  return <Button size='large' {...props} className={className ? `staff-nav__item ${className}` : 'staff-nav__item'} />;
}

/** StaffNav's 「我的」 (hidden in elder mode, as before), with the inbox's unread count on it. */
export function MeNavButton() {
  return (
    <UnreadBadge className='staff-nav__item staff-nav__badge elder-hide'>
      <Button size='large' block onClick={() => void Taro.navigateTo({ url: ME_PAGE })}>
        我的
      </Button>
    </UnreadBadge>
  );
}
