import { useEffect, useState } from 'react';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { View } from '@tarojs/components';
import { Button, Switch } from '@nutui/nutui-react-taro';
import type { PoolTaskDto } from '@bangbang/shared';
import { PageState, firstLoad, showError, showSuccess, useLiveReload, useLoader } from '../../../components';
import { SectionTitle, StaffPage } from '../../../components/staff-page';
import { MeNavButton, NavButton, StaffHero, StaffNav } from '../../../components/staff-hero';
import { StaffOrderCard } from '../../../components/staff-order-card';
import { ApiError } from '../../../services/api';
import { acceptOrder, getTaskPool, setDuty } from '../../../services/endpoints';
import { formatDistance, offerLine } from '../../../services/labels';
import { isStaffRole } from '../../../services/roles';
import { currentRole, refreshMe, useCurrentUser } from '../../../services/session';
import { askFor, preloadSubscriptions } from '../../../services/subscribe';
import './index.css';

const TASK_PAGE = '/pages/volunteer/task/index';

/**
 * 任务大厅: the volunteer's on/off duty switch (上岗 / 下岗, like a driver going online) and the open orders they
 * may take, nearest first, each with a big 「接单」. Orders offered to them (同时请几位) come first, saying how many
 * were asked and by when to answer. Whoever is faster gets it: the others are told so and the order leaves their
 * list.
 */
export default function VolunteerHall() {
  const user = useCurrentUser();
  const pool = useLoader(getTaskPool, [], { refreshOnShow: true });
  const [onDuty, setOnDuty] = useState(user?.onDuty ?? false);
  const [switching, setSwitching] = useState(false);
  const [accepting, setAccepting] = useState<string>();

  // the switch may have been flipped on another device, or by the roster's staff: read it again on arrival
  useEffect(() => {
    // the WeChat subscription templates, ready before the tap on the duty switch
    void preloadSubscriptions();
    refreshMe().then(
      (me) => setOnDuty(me.onDuty),
      () => undefined, // the hall's own load shows any network trouble
    );
  }, []);

  usePullDownRefresh(() => {
    void pool.reload().finally(() => Taro.stopPullDownRefresh());
  });
  // a new order near me, or one taken by someone else, shows here at once
  useLiveReload(() => void pool.reload());

  const toggleDuty = async (next: boolean) => {
    // 上岗: 「派给我」「附近有新需求」 by WeChat message while the app is closed; asked in the tap (WeChat's rule)
    if (next) void askFor(['task.offered', 'task.dispatched', 'task.nearby']);
    setSwitching(true);
    try {
      const status = await setDuty(next);
      setOnDuty(status.onDuty);
      showSuccess(status.onDuty ? '已上岗' : '已下岗');
      await refreshMe();
      await pool.reload();
    } catch (error) {
      showError(error);
    } finally {
      setSwitching(false);
    }
  };

  const accept = async (task: PoolTaskDto) => {
    setAccepting(task.id);
    try {
      await acceptOrder(task.id);
      showSuccess('接单成功');
      void Taro.navigateTo({ url: `${TASK_PAGE}?id=${task.id}` });
      void pool.reload();
    } catch (error) {
      showError(error);
      // someone else was faster (409) or it is no longer open to me: it leaves the list at once
      if (error instanceof ApiError && (error.status === 409 || error.status === 404) && pool.data) {
        pool.setData({ ...pool.data, items: pool.data.items.filter((t) => t.id !== task.id) });
      }
    } finally {
      setAccepting(undefined);
    }
  };

  const staff = isStaffRole(currentRole());
  const available = pool.data?.availableNow ?? false;
  const state = !onDuty ? '已下岗：上岗后才能接单' : available ? '在岗，可以接单' : '在岗，但现在不在您的值班时段';
  const items = pool.data?.items ?? [];

  return (
    <StaffPage className='volunteer-hall'>
      <StaffHero
        name={user?.name ?? '志愿者'}
        sub={onDuty ? '上岗中' : '休息中'}
        aside={
          <Switch
            className='volunteer-hall__duty'
            checked={onDuty}
            loading={switching}
            disabled={switching}
            activeText='在岗'
            inactiveText='下岗'
            ariaLabel='在岗开关'
            onChange={(next) => void toggleDuty(next)}
          />
        }
        state={state}
      />

      <StaffNav>
        <NavButton onClick={() => void Taro.navigateTo({ url: '/pages/volunteer/tasks/index' })}>我的任务</NavButton>
        <NavButton onClick={() => void Taro.navigateTo({ url: '/pages/volunteer/record/index' })}>服务记录</NavButton>
        {staff ? (
          <NavButton className='elder-hide' onClick={() => void Taro.navigateBack().catch(() => Taro.reLaunch({ url: '/pages/dispatch/board/index' }))}>
            返回派单台
          </NavButton>
        ) : (
          <MeNavButton />
        )}
      </StaffNav>

      <SectionTitle>{items.some((t) => t.offer) ? '请您接的需求在前，其余由近到远' : '附近待接的需求（由近到远）'}</SectionTitle>
      <PageState
        {...firstLoad(pool)}
        empty={pool.data !== undefined && items.length === 0}
        emptyText={onDuty ? '附近暂时没有待接的需求' : '附近暂时没有待接的需求；上岗后有新需求会出现在这里'}
      >
        {items.map((task) => (
          <StaffOrderCard
            key={task.id}
            order={task}
            showFlags={false}
            showStatus={false}
            extra={formatDistance(task.distanceMeters) || undefined}
            onClick={() => void Taro.navigateTo({ url: `${TASK_PAGE}?id=${task.id}` })}
          >
            {task.offer ? <View className='volunteer-hall__offer'>{offerLine(task.offer)}</View> : null}
            <Button
              className='volunteer-hall__accept'
              type='primary'
              size='large'
              block
              loading={accepting === task.id}
              disabled={accepting !== undefined || !available}
              onClick={(e) => {
                e.stopPropagation();
                void accept(task);
              }}
            >
              {available ? '接单' : onDuty ? '不在值班时段' : '上岗后可接单'}
            </Button>
          </StaffOrderCard>
        ))}
      </PageState>
    </StaffPage>
  );
}
