import { useState } from 'react';
import { Button as TaroButton, Text, View, type ButtonProps, type CommonEventFunction } from '@tarojs/components';
import type { MeDto } from '@bangbang/shared';
import { bindPhoneWithSms, bindPhoneWithWechat, isWeapp } from '../services/session';
import { errorMessage } from './feedback';
import { SmsCodeForm } from './sms-code-form';
import './phone-binding.css';

export interface PhoneBindingProps {
  /** Called with the person once the phone is bound (the new token and person are already kept). */
  onBound: (me: MeDto) => void;
}

/**
 * 绑定手机号: in WeChat, the phone-number button (WeChat verifies the number; its one-time code goes to
 * `POST /me/phone/wechat`), with the SMS code as the other way; in a browser, phone + SMS code (`POST /me/phone`).
 * A phone that community staff registered earlier makes the person that registered person (认领), with their place.
 * Used by the onboarding page and by 我的 (changing one's phone).
 */
export function PhoneBinding({ onBound }: PhoneBindingProps) {
  const [bySms, setBySms] = useState(!isWeapp);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');

  const onGetPhoneNumber: CommonEventFunction<ButtonProps.onGetPhoneNumberEventDetail> = (event) => {
    const { code, errMsg } = event.detail;
    if (!code) {
      // refused (getPhoneNumber:fail user deny), or the mini-program has no permission: the SMS way remains
      setMessage(/deny|cancel/i.test(errMsg) ? '您没有同意使用微信手机号，可以改用短信验证码绑定。' : '暂时无法获取微信手机号，请改用短信验证码绑定。');
      setBySms(true);
      return;
    }
    setBusy(true);
    setMessage('');
    bindPhoneWithWechat(code).then(onBound, (error: unknown) => {
      setMessage(errorMessage(error));
      setBusy(false);
    });
  };

  return (
    <View className='phone-binding'>
      <Text className='phone-binding__title'>绑定手机号</Text>
      <Text className='phone-binding__note'>手机号用于志愿者和社区工作人员联系您。社区已为您登记过的，绑定后自动找回您的档案。</Text>
      {isWeapp && (
        <TaroButton
          className='phone-binding__wechat'
          type='primary'
          openType='getPhoneNumber'
          disabled={busy}
          loading={busy}
          onGetPhoneNumber={onGetPhoneNumber}
        >
          微信手机号一键绑定
        </TaroButton>
      )}
      {isWeapp && !bySms && (
        <Text className='phone-binding__switch' onClick={() => setBySms(true)}>
          用短信验证码绑定其他手机号
        </Text>
      )}
      {message !== '' && <Text className='phone-binding__message'>{message}</Text>}
      {bySms && (
        <SmsCodeForm
          purpose='bind'
          submitLabel='绑定手机号'
          prefix='phone-binding'
          onSubmit={async (phone, code) => onBound(await bindPhoneWithSms(phone, code))}
        />
      )}
    </View>
  );
}
