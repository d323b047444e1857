import { useState } from 'react';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { Button, TabPane, Tabs } from '@nutui/nutui-react-taro';
import type { OrderStatus } from '@bangbang/shared';
import { LoadMore, PageState, firstLoad, useLiveReload, usePagedLoader } from '../../../components';
import { StaffPage } from '../../../components/staff-page';
import { StaffOrderCard } from '../../../components/staff-order-card';
import { getMyTasks } from '../../../services/endpoints';
import { myStatus } from '../../../services/labels';
import { useCurrentUser } from '../../../services/session';

/** The tabs of 我的任务: what needs me now first (派给我的 to answer, 已接单 to go to, 服务中 to finish). */
const TABS: ReadonlyArray<{ key: string; title: string; status?: OrderStatus }> = [
  { key: 'dispatched', title: '待接受', status: 'dispatched' },
  { key: 'accepted', title: '已接单', status: 'accepted' },
  { key: 'in_service', title: '服务中', status: 'in_service' },
  { key: 'completed', title: '待确认', status: 'completed' },
  { key: 'closed', title: '已完成', status: 'closed' },
  { key: 'all', title: '全部' },
];

/** 我的任务: what was dispatched to me (or my squad) and what I took, by status, newest first. */
export default function VolunteerTasks() {
  // Opens on 待接受 (a dispatch waits for my answer); when none waits, on 已接单 — unless the person picked a tab.
  const me = useCurrentUser();
  const [tab, setTab] = useState('dispatched');
  const [picked, setPicked] = useState(false);
  const status = TABS.find((t) => t.key === tab)?.status;
  const list = usePagedLoader(
    async (cursor) => {
      const page = await getMyTasks({ ...(status === undefined ? {} : { status }), cursor });
      if (cursor === undefined && !picked && status === 'dispatched' && page.items.length === 0) {
        setTab('accepted');
        return getMyTasks({ status: 'accepted' });
      }
      return page;
    },
    [status],
    { refreshOnShow: true },
  );

  usePullDownRefresh(() => {
    void list.reload().finally(() => Taro.stopPullDownRefresh());
  });
  // a dispatch to me, a cancellation: the list follows without a pull
  useLiveReload(() => void list.reload());

  const items = list.data?.items ?? [];
  return (
    <StaffPage className='volunteer-tasks'>
      <Tabs
        value={tab}
        onChange={(v) => {
          setPicked(true);
          setTab(String(v));
        }}
        activeType='line'
      >
        {TABS.map((t) => (
          <TabPane key={t.key} value={t.key} title={t.title} />
        ))}
      </Tabs>
      <PageState
        {...firstLoad(list)}
        empty={list.data !== undefined && items.length === 0}
        emptyText='这里还没有任务'
        emptyAction={
          <Button type='primary' size='large' onClick={() => void Taro.navigateTo({ url: '/pages/volunteer/hall/index' })}>
            去任务大厅看看
          </Button>
        }
      >
        {items.map((order) => (
          <StaffOrderCard
            key={order.id}
            order={order}
            showFlags={false}
            status={myStatus(order, me?.id)}
            onClick={() => void Taro.navigateTo({ url: `/pages/volunteer/task/index?id=${order.id}` })}
          />
        ))}
        <LoadMore list={list} />
      </PageState>
    </StaffPage>
  );
}
