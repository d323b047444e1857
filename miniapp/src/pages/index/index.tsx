import { useEffect, useState } from 'react';
import { Text, View } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import { AppPage, SmsCodeForm, errorMessage } from '../../components';

import { goHome, isLoggedIn, isWeapp, loginWithSms, loginWithWechat } from '../../services/session';
import './index.css';

/**
 * The entry (登录). In WeChat: one tap, `Taro.login` → `POST /auth/wechat` (the phone is bound afterwards, with
 * WeChat's phone-number button). In a browser (H5): the phone number and the SMS code sent to it
 * (`/auth/sms-code` → `/auth/sms-login`). Someone already logged in goes straight to the home of their role.
 */
export default function Login() {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');

  useEffect(() => {
    if (isLoggedIn()) goHome();
  }, []);

  const byWechat = async () => {
    setBusy(true);
    setMessage('');
    try {
      await loginWithWechat();
    } catch (error) {
      setMessage(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AppPage className='login' requireLogin={false}>
      <View className='login__hero'>
        <Text className='login__title'>帮帮团</Text>
        <Text className='login__slogan'>有困难？找帮帮团</Text>
        <Text className='login__steps'>点单 · 派单 · 接单</Text>
      </View>

      <View className='login__card'>
        {isWeapp ? (
          <>
            <Button className='login__submit' type='primary' size='large' block loading={busy} disabled={busy} onClick={() => void byWechat()}>
              微信一键登录
            </Button>
            {message !== '' && <Text className='login__message'>{message}</Text>}
          </>
        ) : (
          <SmsCodeForm purpose='login' submitLabel='登录' prefix='login' onSubmit={loginWithSms} />
        )}
      </View>

      <Text className='login__footnote'>居民点单 · 网格员派单 · 志愿者接单</Text>
    </AppPage>
  );
}
