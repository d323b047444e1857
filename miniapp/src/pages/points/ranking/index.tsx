import { useState } from 'react';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Radio } from '@nutui/nutui-react-taro';
import type { RankingEntryDto, RankingPeriod, RankingScope } from '@bangbang/shared';
import { PageState, firstLoad, useLoader } from '../../../components';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { getRanking } from '../../../services/endpoints';
import { formatMinutes } from '../../../services/labels';
import '../points.css';

function Line({ e, mine }: { e: RankingEntryDto; mine: boolean }) {
  return (
    <View className={`points-card points-line ${mine ? 'points-line--mine' : ''}`}>
      <Text className='points-rank'>{e.rank}</Text>
      <View className='points-card__main'>
        <Text className='points-card__title'>
          {e.name}
          {mine ? '（我）' : ''}
        </Text>
        <Text className='points-card__sub'>服务 {formatMinutes(e.minutes)}</Text>
      </View>
      <Text className='points-card__amount'>{e.points} 分</Text>
    </View>
  );
}

/** 爱心榜: the people of my grid or my community by the points they earned this month or in all, with their hours. */
export default function Ranking() {
  const [scope, setScope] = useState<RankingScope>('grid');
  const [period, setPeriod] = useState<RankingPeriod>('month');
  const board = useLoader(() => getRanking({ scope, period }), [scope, period], { refreshOnShow: true });
  usePullDownRefresh(() => {
    void board.reload().finally(() => Taro.stopPullDownRefresh());
  });
  const b = board.data;
  const myId = b?.me?.userId;
  const meBelow = b?.me && !b.items.some((e) => e.userId === b.me!.userId) ? b.me : null;
  return (
    <StaffPage className='points-ranking'>
      <View className='points-switch'>
        <Radio.Group className='staff-choice points-ranking__scope' value={scope} direction='horizontal' onChange={(v) => setScope(v as RankingScope)}>
          <Radio value='grid' shape='button'>
            本网格
          </Radio>
          <Radio value='community' shape='button'>
            本社区
          </Radio>
        </Radio.Group>
        <Radio.Group className='staff-choice points-ranking__period' value={period} direction='horizontal' onChange={(v) => setPeriod(v as RankingPeriod)}>
          <Radio value='month' shape='button'>
            本月
          </Radio>
          <Radio value='all' shape='button'>
            累计
          </Radio>
        </Radio.Group>
      </View>
      <PageState {...firstLoad(board)}>
        {b && (
          <View>
            <SectionTitle>
              {b.region.name} · {period === 'month' ? '本月' : '累计'}爱心榜
            </SectionTitle>
            {b.items.length === 0 ? <Hint>还没有人获得积分。</Hint> : b.items.map((e) => <Line key={e.userId} e={e} mine={e.userId === myId} />)}
            {meBelow && (
              <View>
                <Hint>我的名次</Hint>
                <Line e={meBelow} mine />
              </View>
            )}
          </View>
        )}
      </PageState>
    </StaffPage>
  );
}
