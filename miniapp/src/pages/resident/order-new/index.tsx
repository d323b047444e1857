import { useEffect, useMemo, useRef, useState } from 'react';
import Taro, { useRouter } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Cell, Input, InputNumber, Switch, TextArea } from '@nutui/nutui-react-taro';
import type { ServiceCategoryDto } from '@bangbang/shared';
import { AppPage, PageState, ServiceIcon, showError, useLoader } from '../../../components';
import { ApiError } from '../../../services/api';
import { createOrder, listServiceCategories, urgeOrder } from '../../../services/endpoints';
import { newIdempotencyKey } from '../../../services/ids';
import { askFor, preloadSubscriptions } from '../../../services/subscribe';
import { TEAM_COLOR_HEX } from '../../../services/labels';
import { useCurrentUser, useElderMode } from '../../../services/session';
import { timeWindows } from '../../../services/time-windows';
import './index.css';

/** Words an older person can add with one tap instead of typing. */
const QUICK_NOTES = ['越快越好', '我一直在家', '来之前先打电话'];

interface Place {
  address: string;
  location?: { lat: number; lng: number };
}

/**
 * 点单: the service was picked on the home (tap 1); a note, a time and another address are optional; 「提交」 is
 * tap 2. The Idempotency-Key is made once per order the person means to place and kept while they retry, so a
 * double tap or a retry after a dropped connection never orders twice.
 */
export default function OrderNew() {
  const { params } = useRouter();
  const code = params.code ?? '';
  const user = useCurrentUser();
  const [elder] = useElderMode();
  const catalogue = useLoader(listServiceCategories, []);
  const category: ServiceCategoryDto | undefined = catalogue.data?.items.find((c) => c.code === code);

  const [note, setNote] = useState('');
  const [urgent, setUrgent] = useState(false);
  const windows = useMemo(() => timeWindows(), []);
  const [windowKey, setWindowKey] = useState('asap');
  const [headcount, setHeadcount] = useState(1);
  const [place, setPlace] = useState<Place>();
  const [typingAddress, setTypingAddress] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const idempotencyKey = useRef(newIdempotencyKey());

  // the WeChat subscription templates, ready before the tap on 提交求助 (WeChat allows the ask only inside a tap)
  useEffect(() => void preloadSubscriptions(), []);

  const address = place?.address ?? user?.address ?? '';

  const changeAddress = async () => {
    // process.env.TARO_ENV itself (not isWeapp): the build drops the other branch, so the H5 bundle has no
    // chooseLocation — Taro's H5 one opens a map from apis.map.qq.com, a page outside the deployment
    if (process.env.TARO_ENV === 'weapp') {
      try {
        const picked = await Taro.chooseLocation({});
        const text = [picked.address, picked.name].filter(Boolean).join(' ');
        setPlace({ address: text.slice(0, 200), location: { lat: picked.latitude, lng: picked.longitude } });
      } catch {
        // closed the map without choosing: nothing changes
      }
    } else {
      // no map picker in a browser: the address is typed (the saved location stays the door's)
      setTypingAddress(true);
    }
  };

  const submit = async () => {
    if (!category) return;
    if (typingAddress && address.trim() === '') {
      void Taro.showToast({ title: '请填写服务地址', icon: 'none' });
      return;
    }
    const chosen = windows.find((w) => w.key === windowKey);
    // 订阅消息: 「有人接单」「服务完成」 reach the resident in WeChat even when the app is closed. Asked here, in the
    // tap and before any wait (WeChat's rule); the order is sent meanwhile, and the page moves on once they answered.
    const asking = askFor(['order.accepted', 'order.completed']);
    setSubmitting(true);
    try {
      const order = await createOrder(
        {
          categoryCode: category.code,
          description: note.trim() || `需要${category.name}服务`,
          urgency: urgent ? 'urgent' : 'normal',
          ...(place ? { address: place.address.trim(), ...(place.location ? { location: place.location } : {}) } : {}),
          ...(chosen?.start ? { preferredStart: chosen.start, preferredEnd: chosen.end } : {}),
          ...(category.multiPerson && headcount > 1 ? { headcount } : {}),
        },
        idempotencyKey.current,
      );
      idempotencyKey.current = newIdempotencyKey();
      await asking;
      void Taro.showToast({ title: '已提交，请等待接单', icon: 'success', duration: 1500 });
      void Taro.redirectTo({ url: `/pages/resident/order/index?id=${order.id}` });
    } catch (error) {
      const open = error instanceof ApiError && error.code === 'ORDER_REPEATED' ? error.details[0] : undefined;
      if (open?.order) await offerUrge(open.order.id, open.message);
      else showError(error);
    } finally {
      setSubmitting(false);
    }
  };

  /**
   * The same service is already being handled (409 ORDER_REPEATED): not a second order card, but that order — to
   * look at (查看), or to 催一下 there and then.
   */
  const offerUrge = async (orderId: string, has: string) => {
    const asked = await Taro.showModal({
      title: '不用重复下单',
      content: `${has}。着急的话可以催一下，工作人员会尽快安排。`,
      confirmText: '催一下',
      cancelText: '查看',
    });
    const page = `/pages/resident/order/index?id=${orderId}`;
    if (!asked.confirm) {
      void Taro.redirectTo({ url: page });
      return;
    }
    try {
      await urgeOrder(orderId);
      await Taro.showModal({ title: '已催办', content: '已催办，工作人员会尽快安排。', showCancel: false, confirmText: '知道了' });
    } catch (error) {
      // 刚刚催过了: says how many minutes; the order page shows where it is
      await Taro.showModal({
        title: '提示',
        content: error instanceof ApiError ? error.message : '催办没有成功，请稍后再试。',
        showCancel: false,
        confirmText: '知道了',
      });
    }
    void Taro.redirectTo({ url: page });
  };

  return (
    <AppPage className='order-new'>
      <PageState
        loading={catalogue.loading}
        error={catalogue.error}
        onRetry={() => void catalogue.reload()}
        empty={catalogue.data ? category === undefined : undefined}
        emptyText='这项服务暂时不能预约'
        emptyAction={
          <Button type='primary' size='large' onClick={() => void Taro.navigateBack()}>
            返回
          </Button>
        }
      >
        {category && (
          <>
            <View className='order-new__service' style={{ backgroundColor: TEAM_COLOR_HEX[category.color] }}>
              <ServiceIcon icon={category.icon} size={elder ? 48 : 40} />
              <Text className='order-new__service-name'>{category.name}</Text>
            </View>

            <View className='order-new__section'>
              <Text className='order-new__label'>说明（可不填）</Text>
              <TextArea
                className='order-new__note'
                value={note}
                maxLength={500}
                placeholder={`想让我们帮什么？例如：${category.name === '送医送药' ? '帮我去医院拿降压药' : '请写下具体需要'}`}
                onChange={setNote}
              />
              <View className='order-new__quick'>
                {QUICK_NOTES.map((q) => (
                  <Button key={q} className='order-new__quick-note' size='small' fill='outline' onClick={() => setNote(note ? `${note}，${q}` : q)}>
                    {q}
                  </Button>
                ))}
              </View>
            </View>

            <Cell.Group>
              <Cell
                className='order-new__address'
                title='服务地址'
                description={typingAddress ? undefined : address || '未填写'}
                extra={
                  typingAddress ? undefined : (
                    <Text className='order-new__change' onClick={() => void changeAddress()}>
                      换个地址
                    </Text>
                  )
                }
              />
              {typingAddress && (
                <Cell>
                  <Input
                    className='order-new__address-input'
                    value={address}
                    maxLength={200}
                    placeholder='请输入服务地址'
                    onChange={(v) => setPlace({ address: v })}
                  />
                </Cell>
              )}
              <Cell className='order-new__urgent' title='紧急' description='急事会优先安排' extra={<Switch checked={urgent} onChange={setUrgent} />} />
              {category.multiPerson && (
                <Cell
                  className='elder-hide'
                  title='需要几个人'
                  extra={<InputNumber min={1} max={50} value={headcount} onChange={(v) => setHeadcount(Number(v))} />}
                />
              )}
            </Cell.Group>

            <View className='order-new__section elder-hide'>
              <Text className='order-new__label'>什么时候（可不选）</Text>
              <View className='order-new__windows'>
                {windows.map((w) => (
                  <Button key={w.key} size='small' type={w.key === windowKey ? 'primary' : 'default'} onClick={() => setWindowKey(w.key)}>
                    {w.label}
                  </Button>
                ))}
              </View>
            </View>

            <View className='order-new__submit'>
              <Button type='primary' size='xlarge' block loading={submitting} disabled={submitting} onClick={() => void submit()}>
                提交求助
              </Button>
            </View>
          </>
        )}
      </PageState>
    </AppPage>
  );
}
