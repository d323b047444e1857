import Taro, { usePullDownRefresh, useRouter } from '@tarojs/taro';
import { Text } from '@tarojs/components';
import type { VisitDto } from '@bangbang/shared';
import { PageState, firstLoad, useLoader } from '../../../components';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { VisitCard } from '../../../components/visit-card';
import { getMissedVisits, getMyVisits } from '../../../services/endpoints';
import './index.css';

/**
 * 我的走访: the visits of the ledger households a paired cadre (包联) or grid worker is given — missed ones first,
 * then this period's to do, then those already done — each with the household's name, address and ledger tags; tap
 * one to check in at the door and record it. With `?missed=1` (from the board's flag): staff see the missed visits
 * of their jurisdiction (or of `regionId`), with who was to do them.
 */
export default function MyVisits() {
  const { params } = useRouter();
  const missedMode = params.missed === '1';
  const list = useLoader<{ items: VisitDto[]; count: number }>(
    async () => {
      if (missedMode) return getMissedVisits(params.regionId);
      const items = await getMyVisits();
      return { items, count: items.length };
    },
    [missedMode, params.regionId],
    { refreshOnShow: true },
  );

  usePullDownRefresh(() => {
    void list.reload().finally(() => Taro.stopPullDownRefresh());
  });

  const items = list.data?.items ?? [];
  const todo = items.filter((v) => v.state !== 'done');
  const missed = items.filter((v) => v.state === 'missed').length;

  return (
    <StaffPage className='visits'>
      <SectionTitle>{missedMode ? '逾期未走访' : '我的走访'}</SectionTitle>
      {missedMode ? (
        <Text className='visits__summary'>共 {list.data?.count ?? 0} 户逾期未走访，逾期最久的在前。</Text>
      ) : (
        <Text className='visits__summary'>
          待走访 {todo.length} 户{missed > 0 ? `，其中逾期 ${missed} 户` : ''}。到居民家门口签到，再填写走访记录；发现需求可一步代为下单。
        </Text>
      )}
      <PageState
        {...firstLoad(list)}
        empty={list.data !== undefined && items.length === 0}
        emptyText={missedMode ? '没有逾期的走访' : '本周期没有派给您的走访'}
      >
        {items.map((v) => (
          <VisitCard key={v.id} visit={v} showAssignee={missedMode} onClick={() => void Taro.navigateTo({ url: `/pages/visits/visit/index?id=${v.id}` })} />
        ))}
      </PageState>
      {!missedMode && <Hint>走访频次按台账标签设定（独居、高龄、重病、残疾每周，低保每月，其余每季度），由管理员在「管理 → 走访计划」中调整。</Hint>}
    </StaffPage>
  );
}
