import { useEffect, useState } from 'react';
import { Text, View } from '@tarojs/components';
import { Button, Input } from '@nutui/nutui-react-taro';
import { isMainlandMobile } from '@bangbang/shared';
import { AppPage, errorMessage } from '../../components';
import { goHome, isLoggedIn, isWeapp, loginWithPhone, loginWithWechat } from '../../services/session';
import './index.css';

/**
 * The entry (登录). In WeChat: one tap, `Taro.login` → `POST /auth/wechat`. In a browser (H5): the phone number,
 * through the server's dev-login when it allows it (not in production: then it says so). Someone already logged in
 * goes straight to the home of their role.
 */
export default function Login() {
  const [phone, setPhone] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');

  useEffect(() => {
    if (isLoggedIn()) goHome();
  }, []);

  const submit = async (login: () => Promise<void>) => {
    setBusy(true);
    setMessage('');
    try {
      await login();
    } catch (error) {
      setMessage(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  const byPhone = () => {
    const p = phone.trim();
    if (!isMainlandMobile(p)) {
      setMessage('请输入 11 位手机号码');
      return;
    }
    void submit(() => loginWithPhone(p));
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
          <Button className='login__submit' type='primary' size='large' block loading={busy} disabled={busy} onClick={() => void submit(loginWithWechat)}>
            微信一键登录
          </Button>
        ) : (
          <>
            <Text className='login__label'>手机号</Text>
            <Input
              className='login__phone'
              type='tel'
              maxLength={11}
              placeholder='请输入 11 位手机号码'
              value={phone}
              clearable
              onChange={(v) => setPhone(v)}
              onConfirm={byPhone}
            />
            <Button className='login__submit' type='primary' size='large' block loading={busy} disabled={busy} onClick={byPhone}>
              登录
            </Button>
          </>
        )}
        {message !== '' && <Text className='login__message'>{message}</Text>}
      </View>

      <Text className='login__footnote'>居民点单 · 网格员派单 · 志愿者接单</Text>
    </AppPage>
  );
}
