import { useState } from 'react';
import { Text, View } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import type { MeDto } from '@bangbang/shared';
import { getMe } from '../services/endpoints';
import { showError } from './feedback';

/**
 * PLACEHOLDER (issue 18, item 1 is H-auth's): binding a phone (WeChat's phone-number button, or an SMS code in H5)
 * lands with their branch, which replaces this file. Until then it only says what is missing and lets the person
 * check again once the phone was bound elsewhere; the signature is the one the join page codes against.
 */
export function PhoneBinding({ onBound }: { onBound: (me: MeDto) => void }): JSX.Element {
  const [busy, setBusy] = useState(false);
  const check = async () => {
    setBusy(true);
    try {
      const me = await getMe();
      if (me.phone !== null) onBound(me);
    } catch (error) {
      showError(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <View className='phone-binding'>
      <Text className='phone-binding__text'>请绑定您的手机号，方便志愿者和网格员联系您。</Text>
      <Button type='primary' size='large' block loading={busy} onClick={() => void check()}>
        我已绑定，继续
      </Button>
    </View>
  );
}
