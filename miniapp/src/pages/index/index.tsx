import { useCallback, useEffect, useRef, useState } from 'react';
import { Text, View } from '@tarojs/components';
import { Button, Cell } from '@nutui/nutui-react-taro';
import { DEFAULT_ERROR_MESSAGES } from '@bangbang/shared';
import { ApiError, getHealth } from '../../services/api';
import './index.css';

type Status = { kind: 'checking' } | { kind: 'ok'; version: string } | { kind: 'error'; message: string };

const BADGE: Record<Status['kind'], string> = { checking: '检查中', ok: '正常', error: '异常' };

/** Placeholder home (首页) until the real screens for 点单 / 派单 / 接单 arrive; shows whether the API answers. */
export default function Index() {
  const [status, setStatus] = useState<Status>({ kind: 'checking' });
  // Only the latest check may write the card: a slow answer must not overwrite a newer one.
  const latest = useRef(0);

  const check = useCallback(async () => {
    const id = ++latest.current;
    setStatus({ kind: 'checking' });
    try {
      const health = await getHealth();
      if (id === latest.current) setStatus({ kind: 'ok', version: health.version });
    } catch (error) {
      // Anything but an ApiError is a bug of ours: say so in general terms rather than blame the network.
      const message = error instanceof ApiError ? error.message : DEFAULT_ERROR_MESSAGES.INTERNAL;
      if (id === latest.current) setStatus({ kind: 'error', message });
    }
  }, []);

  useEffect(() => {
    void check();
  }, [check]);

  const text =
    status.kind === 'checking' ? '正在检查…' : status.kind === 'ok' ? `服务正常 · 版本 ${status.version}` : status.message;

  return (
    <View className='home'>
      <View className='home__hero'>
        <Text className='home__title'>帮帮团</Text>
        <Text className='home__slogan'>有困难？找帮帮团</Text>
        <Text className='home__steps'>点单 · 派单 · 接单</Text>
      </View>

      <View className='home__card'>
        <Cell.Group divider={false}>
          <Cell
            title={
              <View className='home__cell-title'>
                <Text>服务状态</Text>
                <Text className={`home__badge home__badge--${status.kind}`}>{BADGE[status.kind]}</Text>
              </View>
            }
            description={<Text className={`home__status home__status--${status.kind}`}>{text}</Text>}
          />
        </Cell.Group>
        <Button
          className='home__refresh'
          type='primary'
          block
          loading={status.kind === 'checking'}
          disabled={status.kind === 'checking'}
          onClick={() => void check()}
        >
          刷新
        </Button>
      </View>

      <Text className='home__footnote'>更多功能即将上线</Text>
    </View>
  );
}
