import { useEffect, useState } from 'react';
import { Text, View } from '@tarojs/components';
import { Button, Input } from '@nutui/nutui-react-taro';
import { SMS_RESEND_SECONDS, isMainlandMobile, type SmsPurpose } from '@bangbang/shared';
import { requestSmsCode } from '../services/session';
import { errorMessage } from './feedback';
import './sms-code-form.css';

export interface SmsCodeFormProps {
  purpose: SmsPurpose;
  /** The submit button's text (登录, 绑定手机号). */
  submitLabel: string;
  /** What the filled form does (log in, bind); its error is shown under the form. */
  onSubmit: (phone: string, code: string) => Promise<void>;
  /** The class prefix of the parts: `<prefix>__form`, `__phone`, `__code`, `__send`, `__submit`, `__message`. */
  prefix: string;
}

/**
 * Phone + 「获取验证码」 (then a 60-second countdown before it can be asked again) + the 6-digit code + the submit
 * button: the SMS half of the login page and of the phone binding. Large text, one thing per line.
 */
export function SmsCodeForm({ purpose, submitLabel, onSubmit, prefix }: SmsCodeFormProps) {
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [countdown, setCountdown] = useState(0);
  const [sending, setSending] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');
  const [hint, setHint] = useState('');

  useEffect(() => {
    if (countdown <= 0) return undefined;
    const timer = setTimeout(() => setCountdown((c) => c - 1), 1000);
    return () => clearTimeout(timer);
  }, [countdown]);

  const checkedPhone = (): string | undefined => {
    const p = phone.trim();
    if (isMainlandMobile(p)) return p;
    setMessage('请输入 11 位手机号码');
    return undefined;
  };

  const send = async () => {
    const p = checkedPhone();
    if (p === undefined || sending || countdown > 0) return;
    setSending(true);
    setMessage('');
    try {
      await requestSmsCode(p, purpose);
      setCountdown(SMS_RESEND_SECONDS);
      setHint(`验证码已发送到 ${p.slice(0, 3)}****${p.slice(-4)}，5 分钟内有效`);
    } catch (error) {
      setMessage(errorMessage(error));
    } finally {
      setSending(false);
    }
  };

  const submit = async () => {
    const p = checkedPhone();
    if (p === undefined) return;
    const c = code.trim();
    if (!/^\d{6}$/.test(c)) {
      setMessage('请输入短信里的 6 位数字验证码');
      return;
    }
    setBusy(true);
    setMessage('');
    try {
      await onSubmit(p, c);
    } catch (error) {
      setMessage(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <View className={`sms-form ${prefix}__form`}>
      <Text className='sms-form__label'>手机号</Text>
      <Input
        className={`sms-form__input ${prefix}__phone`}
        type='tel'
        maxLength={11}
        placeholder='请输入 11 位手机号码'
        value={phone}
        clearable
        onChange={(v) => setPhone(v)}
      />
      <Text className='sms-form__label'>验证码</Text>
      <View className='sms-form__code-row'>
        <Input
          className={`sms-form__input sms-form__code ${prefix}__code`}
          type='number'
          maxLength={6}
          placeholder='6 位数字'
          value={code}
          onChange={(v) => setCode(v)}
          onConfirm={() => void submit()}
        />
        <Button className={`sms-form__send ${prefix}__send`} type='default' size='large' disabled={sending || countdown > 0} onClick={() => void send()}>
          {countdown > 0 ? `${countdown} 秒后重发` : '获取验证码'}
        </Button>
      </View>
      {hint !== '' && <Text className='sms-form__hint'>{hint}</Text>}
      <Button className={`${prefix}__submit`} type='primary' size='large' block loading={busy} disabled={busy} onClick={() => void submit()}>
        {submitLabel}
      </Button>
      {message !== '' && <Text className={`sms-form__message ${prefix}__message`}>{message}</Text>}
    </View>
  );
}
