import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import { POINTS_KIND_NAMES, REDEMPTION_STATUS_NAMES, type PointsEntryDto, type RedemptionDto } from '@bangbang/shared';
import { LoadMore, PageState, firstLoad, showError, showSuccess, useLoader, usePagedLoader } from '../../../components';
import { Figure, Figures } from '../../../components/figures';
import { NavButton, StaffHero, StaffNav } from '../../../components/staff-hero';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { cancelMyRedemption, getMyPoints, getMyRedemptions, getPointsHistory } from '../../../services/endpoints';
import { formatMinutes } from '../../../services/labels';
import { useCurrentUser } from '../../../services/session';
import '../points.css';

function day(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000);
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
}

function hours(minutes: number): string {
  return (Math.round((minutes / 60) * 10) / 10).toFixed(1);
}

function EntryCard({ e }: { e: PointsEntryDto }) {
  return (
    <View className='points-card points-entry'>
      <View className='points-card__main'>
        <Text className='points-card__title'>
          {POINTS_KIND_NAMES[e.kind]}
          {e.note ? ` · ${e.note}` : ''}
        </Text>
        <Text className='points-card__sub'>
          {day(e.at)}
          {e.minutes > 0 ? ` · 服务 ${formatMinutes(e.minutes)}` : ''} · 余额 {e.balanceAfter}
          {e.shortfall > 0 ? ` · 已用掉的 ${e.shortfall} 分不再扣回` : ''}
        </Text>
      </View>
      <Text className={`points-card__amount ${e.amount < 0 ? 'points-card__amount--minus' : ''}`}>{e.amount > 0 ? `+${e.amount}` : e.amount}</Text>
    </View>
  );
}

/**
 * 我的积分: my balance, what I earned this month and in all (and the hours behind it), my redemptions waiting to be
 * collected (cancel one before collecting it), and every row of my points ledger, newest first.
 */
export default function MyPoints() {
  const me = useCurrentUser();
  const summary = useLoader(() => getMyPoints(), [], { refreshOnShow: true });
  const redemptions = useLoader(() => getMyRedemptions(), [], { refreshOnShow: true });
  const history = usePagedLoader<PointsEntryDto>((cursor) => getPointsHistory(cursor), [], { refreshOnShow: true });

  const reload = () => Promise.all([summary.reload(), redemptions.reload(), history.reload()]);
  usePullDownRefresh(() => {
    void reload().finally(() => Taro.stopPullDownRefresh());
  });

  const cancel = async (r: RedemptionDto) => {
    const { confirm } = await Taro.showModal({
      title: '取消兑换',
      content: `取消兑换「${r.item.name}」？${r.price} 积分将退回。`,
      confirmText: '取消兑换',
      cancelText: '不取消',
    });
    if (!confirm) return;
    try {
      await cancelMyRedemption(r.id);
      showSuccess('已取消，积分已退回');
      await reload();
    } catch (error) {
      showError(error);
    }
  };

  const s = summary.data;
  const waiting = (redemptions.data?.items ?? []).filter((r) => r.status === 'pending');
  const entries = history.data?.items ?? [];
  return (
    <StaffPage className='points-home'>
      <PageState {...firstLoad(summary)}>
        {s && (
          <View>
            <StaffHero
              name={me?.name ?? ''}
              sub={<>{s.community ? `${s.community.name} · ` : ''}积分可在社区积分超市兑换</>}
              state={<Text className='points-home__balance'>积分余额 {s.balance} 分</Text>}
            />
            <Figures>
              <Figure label='本月获得（分）' value={String(s.earnedThisMonth)} />
              <Figure label='累计获得（分）' value={String(s.earnedTotal)} />
              <Figure label='本月服务（小时）' value={hours(s.minutesThisMonth)} />
              <Figure label='累计服务（小时）' value={hours(s.minutesTotal)} />
            </Figures>
            <StaffNav>
              <NavButton className='points-home__shop' type='primary' onClick={() => void Taro.navigateTo({ url: '/pages/points/shop/index' })}>
                积分超市
              </NavButton>
              <NavButton className='points-home__ranking' onClick={() => void Taro.navigateTo({ url: '/pages/points/ranking/index' })}>
                爱心榜
              </NavButton>
            </StaffNav>
            <Hint>居民确认服务完成后得积分：基础分 + 按服务时长 + 五星好评奖励；需求被重新打开时扣回。</Hint>

            {waiting.length > 0 && (
              <View>
                <SectionTitle>待领取的兑换</SectionTitle>
                {waiting.map((r) => (
                  <View key={r.id} className='points-card points-redemption'>
                    <View className='points-card__main'>
                      <Text className='points-card__title'>{r.item.name}</Text>
                      <Text className='points-card__sub'>
                        {r.price} 分 · {REDEMPTION_STATUS_NAMES[r.status]} · 到{r.community.name}领取
                      </Text>
                    </View>
                    <Button className='points-redemption__cancel' size='small' onClick={() => void cancel(r)}>
                      取消
                    </Button>
                  </View>
                ))}
              </View>
            )}

            <SectionTitle>积分明细</SectionTitle>
            {entries.length === 0 ? <Hint>还没有积分记录：完成一次服务、居民确认后就有了。</Hint> : entries.map((e) => <EntryCard key={e.id} e={e} />)}
            <LoadMore list={history} />
          </View>
        )}
      </PageState>
    </StaffPage>
  );
}
