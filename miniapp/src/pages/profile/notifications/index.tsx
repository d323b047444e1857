import { useEffect, useState } from 'react';
import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Cell, Switch } from '@nutui/nutui-react-taro';
import {
  CHANNEL_NAMES,
  NOTIFICATION_KIND_INFO,
  type Channel,
  type NotificationKind,
  type NotificationPreferencesDto,
  type UpdateNotificationPreferencesDto,
} from '@bangbang/shared';
import { AppPage, PageState, firstLoad, showError, showSuccess, useLoader } from '../../../components';
import { getNotificationPreferences, updateNotificationPreferences } from '../../../services/endpoints';
import { isWeapp } from '../../../services/session';
import { askFor, preloadSubscriptions, sendsLeft } from '../../../services/subscribe';
import './index.css';

/** What each channel means to the person choosing. */
const CHANNEL_HINTS: Record<Channel, string> = {
  live: '正在用小程序时，马上弹出提示',
  wechat: '没打开小程序时，由微信「服务通知」提醒',
  sms: '发到您的手机号',
};

/** The channels a person switches per kind (the app itself always shows what happens while it is open). */
const SWITCHABLE: readonly Channel[] = ['wechat', 'sms'];

function move<T>(list: readonly T[], index: number, by: -1 | 1): T[] {
  const next = [...list];
  const other = index + by;
  if (other < 0 || other >= next.length) return next;
  [next[index], next[other]] = [next[other]!, next[index]!];
  return next;
}

/**
 * 消息设置: how I want to hear what happens to my orders and tasks — the channels in the order to try them, per kind
 * of message whether WeChat and SMS may be used, and SMS for what is not urgent. Every change is saved at once. In
 * WeChat, 「开启微信消息提醒」 asks for the subscription messages (WeChat lets each 允许 send one message).
 */
export default function NotificationSettings() {
  const prefs = useLoader(getNotificationPreferences, []);
  const [saving, setSaving] = useState(false);
  // WeChat messages still allowed (each 允许 is one), shown under the button; read again after each ask
  const [left, setLeft] = useState<number>();

  const p = prefs.data;
  const wechatKinds = p ? p.kinds.filter((k) => !(p.muted[k] ?? []).includes('wechat')) : [];
  const wechatKey = wechatKinds.join(',');
  useEffect(() => {
    void preloadSubscriptions().then(() => setLeft(sendsLeft(wechatKinds)));
    // wechatKinds is derived from wechatKey
  }, [wechatKey]);

  /** Shows the change at once and saves it; on failure shows why and puts back what the server has. */
  const save = async (next: NotificationPreferencesDto, patch: UpdateNotificationPreferencesDto) => {
    const before = prefs.data;
    prefs.setData(next);
    setSaving(true);
    try {
      const answer = await updateNotificationPreferences({ ...patch });
      if (answer && Array.isArray(answer.channelOrder)) prefs.setData(answer);
    } catch (error) {
      showError(error);
      if (before) prefs.setData(before);
    } finally {
      setSaving(false);
    }
  };

  const reorder = (index: number, by: -1 | 1) => {
    if (!p) return;
    const channelOrder = move(p.channelOrder, index, by);
    void save({ ...p, channelOrder }, { channelOrder });
  };

  const toggle = (kind: NotificationKind, channel: Channel, on: boolean) => {
    if (!p) return;
    const off = (p.muted[kind] ?? []).filter((c) => c !== channel);
    const muted = { ...p.muted, [kind]: on ? off : [...off, channel] };
    void save({ ...p, muted }, { muted });
  };

  const setSmsOptIn = (smsOptIn: boolean) => {
    if (!p) return;
    void save({ ...p, smsOptIn }, { smsOptIn });
  };

  /** In the tap (WeChat's rule): the kinds whose WeChat channel is on, at most 3 templates a time. */
  const subscribe = async () => {
    if (!p) return;
    const accepted = await askFor(wechatKinds);
    setLeft(sendsLeft(wechatKinds));
    if (accepted > 0) showSuccess('已开启');
    else void Taro.showToast({ title: '没有开启。微信只在您点「允许」后才能发提醒', icon: 'none', duration: 3000 });
  };

  return (
    <AppPage className='notify-settings'>
      <PageState {...firstLoad(prefs)}>
        {p && (
          <View>
            <Text className='notify-settings__title'>提醒方式的先后</Text>
            <Text className='notify-settings__hint'>先用第一种方式提醒您；联系不上时，再用下一种。每一条消息都会留在「消息中心」。</Text>
            <View className='notify-settings__card'>
              {p.channelOrder.map((c, i) => (
                <View key={c} className={`notify-settings__channel notify-settings__channel--${c}`}>
                  <Text className='notify-settings__rank'>{i + 1}</Text>
                  <View className='notify-settings__channel-text'>
                    <Text className='notify-settings__channel-name'>{CHANNEL_NAMES[c]}</Text>
                    <Text className='notify-settings__channel-hint'>{CHANNEL_HINTS[c]}</Text>
                  </View>
                  <View className='notify-settings__moves'>
                    <Button size='small' disabled={saving || i === 0} onClick={() => reorder(i, -1)}>
                      上移
                    </Button>
                    <Button size='small' disabled={saving || i === p.channelOrder.length - 1} onClick={() => reorder(i, 1)}>
                      下移
                    </Button>
                  </View>
                </View>
              ))}
            </View>

            <Text className='notify-settings__title'>各类消息</Text>
            <Text className='notify-settings__hint'>关掉的方式，这类消息就不再用它提醒您。</Text>
            <View className='notify-settings__card'>
              {p.kinds.length === 0 && <Text className='notify-settings__hint'>您现在的身份没有需要提醒的消息。</Text>}
              {p.kinds.map((k) => (
                <View key={k} className='notify-settings__kind'>
                  <Text className='notify-settings__kind-name'>{NOTIFICATION_KIND_INFO[k].label}</Text>
                  <View className='notify-settings__switches'>
                    {SWITCHABLE.map((c) => (
                      <View key={c} className='notify-settings__switch'>
                        <Text>{c === 'wechat' ? '微信' : '短信'}</Text>
                        <Switch
                          checked={!(p.muted[k] ?? []).includes(c)}
                          disabled={saving}
                          ariaLabel={`${NOTIFICATION_KIND_INFO[k].label}：${CHANNEL_NAMES[c]}`}
                          onChange={(on) => toggle(k, c, on)}
                        />
                      </View>
                    ))}
                  </View>
                </View>
              ))}
            </View>

            <Cell.Group>
              <Cell
                className='notify-settings__sms-opt-in'
                title='非紧急消息也发短信'
                description='不开时，短信只用于紧急情况和没有微信的家人'
                extra={<Switch checked={p.smsOptIn} disabled={saving} onChange={setSmsOptIn} />}
              />
            </Cell.Group>

            {isWeapp && (
              <View className='notify-settings__subscribe'>
                <Button type='primary' size='large' block onClick={() => void subscribe()}>
                  开启微信消息提醒
                </Button>
                <Text className='notify-settings__hint'>
                  微信规定：每点一次「允许」，可以收到一条提醒。{left !== undefined ? `现在还能收到 ${left} 条。` : ''}常点一点，就不会错过。
                </Text>
              </View>
            )}
          </View>
        )}
      </PageState>
    </AppPage>
  );
}
