import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { View } from '@tarojs/components';
import type { OrderDto, ServiceRecordDto } from '@bangbang/shared';
import { PageState, firstLoad, useLoader } from '../../../components';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { StaffHero } from '../../../components/staff-hero';
import { Figure, Figures } from '../../../components/figures';
import { StaffOrderCard } from '../../../components/staff-order-card';
import { getMyTasks, getServiceRecord } from '../../../services/endpoints';
import { formatMinutes } from '../../../services/labels';
import { useCurrentUser } from '../../../services/session';

interface RecordView {
  record: ServiceRecordDto;
  /** The latest orders I served that the resident has confirmed. */
  done: OrderDto[];
}

function hours(minutes: number): string {
  return (Math.round((minutes / 60) * 10) / 10).toFixed(1);
}

/**
 * 服务记录: my service hours and what my reliability is judged by (完成、退单、未到场、拒绝派单、远距离签到, rating) —
 * the same figures the matching engine and the community read — and the orders I completed.
 */
export default function VolunteerRecord() {
  const me = useCurrentUser();
  const userId = me?.id ?? '';
  const view = useLoader<RecordView>(
    async () => {
      const [record, closed] = await Promise.all([getServiceRecord(userId), getMyTasks({ status: 'closed', limit: 20 })]);
      return { record, done: closed.items };
    },
    [userId],
    { refreshOnShow: true },
  );

  usePullDownRefresh(() => {
    void view.reload().finally(() => Taro.stopPullDownRefresh());
  });

  const r = view.data?.record;
  const done = view.data?.done ?? [];
  const figures: Array<{ label: string; value: string; elder?: boolean }> = r
    ? [
        { label: '服务时长（小时）', value: hours(r.serviceMinutes), elder: true },
        { label: '完成服务（单）', value: String(r.completed), elder: true },
        { label: '平均评分', value: r.averageRating === null ? '暂无' : r.averageRating.toFixed(1), elder: true },
        { label: '可靠性', value: r.reliability === null ? '暂无' : `${Math.round(r.reliability * 100)}%` },
        { label: '接单（次）', value: String(r.accepted) },
        { label: '签到前退单', value: String(r.released) },
        { label: '未到场', value: String(r.noShows) },
        { label: '拒绝派单', value: String(r.rejectedDispatches) },
        { label: '签到较远或无位置', value: String(r.farCheckIns) },
      ]
    : [];

  return (
    <StaffPage className='volunteer-record'>
      <PageState {...firstLoad(view)}>
        {r && (
          <View>
            <StaffHero
              name={me?.name ?? ''}
              sub={
                <>
                  累计服务 {formatMinutes(r.serviceMinutes)}，完成 {r.completed} 单
                </>
              }
            />
            <Figures>
              {figures.map((f) => (
                <Figure key={f.label} className={f.elder ? undefined : 'elder-hide'} label={f.label} value={f.value} />
              ))}
            </Figures>
            <Hint className='elder-hide'>可靠性 = 完成 ÷（完成 + 签到前退单 + 未到场），派单时会参考。</Hint>
            <SectionTitle>已完成的服务</SectionTitle>
            {done.length === 0 ? (
              <Hint>还没有居民确认完成的服务。</Hint>
            ) : (
              done.map((order) => {
                const mine = order.assignees.find((a) => a.userId === userId);
                return (
                  <StaffOrderCard
                    key={order.id}
                    order={order}
                    showFlags={false}
                    extra={mine?.serviceMinutes != null ? formatMinutes(mine.serviceMinutes) : undefined}
                    onClick={() => void Taro.navigateTo({ url: `/pages/volunteer/task/index?id=${order.id}` })}
                  />
                );
              })
            )}
          </View>
        )}
      </PageState>
    </StaffPage>
  );
}
