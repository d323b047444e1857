import { useMemo, useState } from 'react';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { TabPane, Tabs } from '@nutui/nutui-react-taro';
import { ORDER_STATUSES, ORDER_STATUS_NAMES, type StatsOverviewDto } from '@bangbang/shared';
import { PageState, firstLoad, useLoader } from '../../../components';
import { Hint, Section, StaffPage } from '../../../components/staff-page';
import { Figure, Figures } from '../../../components/figures';
import StaffChart, { type ChartOptions } from '../../../components/staff-chart';
import { getStatsOverview } from '../../../services/endpoints';
import './index.css';

const DAY = 24 * 3600_000;

const PERIODS: ReadonlyArray<{ key: string; title: string; days: number | null }> = [
  { key: '7', title: '近 7 天', days: 7 },
  { key: '30', title: '近 30 天', days: 30 },
  { key: 'all', title: '全部', days: null },
];

/** Status colours: waiting orange, moving blues, done green, cancelled grey (as the status tags). */
const STATUS_COLORS: Record<(typeof ORDER_STATUSES)[number], string> = {
  pending: '#fa8c16',
  dispatched: '#1890ff',
  accepted: '#2f54eb',
  in_service: '#722ed1',
  completed: '#eb2f96',
  closed: '#15803d',
  cancelled: '#8c8c8c',
};

const BASE: Pick<ChartOptions, 'background' | 'fontSize' | 'fontColor' | 'padding'> = {
  background: '#FFFFFF',
  fontSize: 12,
  fontColor: '#333333',
  padding: [12, 16, 8, 8],
};

function statusChart(s: StatsOverviewDto): ChartOptions {
  const shown = ORDER_STATUSES.filter((k) => s.byStatus[k] > 0);
  return {
    ...BASE,
    type: 'ring',
    color: shown.map((k) => STATUS_COLORS[k]),
    series: [{ name: '需求', data: shown.map((k) => ({ name: ORDER_STATUS_NAMES[k], value: s.byStatus[k] })) }],
    legend: { show: true, position: 'right', lineHeight: 22 },
    title: { name: String(s.total), fontSize: 22, color: '#c8102e' },
    subtitle: { name: '需求总数', fontSize: 12, color: '#595959' },
    extra: { ring: { ringWidth: 26, border: true, borderColor: '#FFFFFF', labelWidth: 12 } },
    dataLabel: false,
  };
}

function categoryChart(s: StatsOverviewDto): ChartOptions {
  const top = s.byCategory.slice(0, 8);
  return {
    ...BASE,
    type: 'bar',
    categories: top.map((c) => c.categoryName),
    series: [{ name: '需求数', data: top.map((c) => c.count), color: '#c8102e' }],
    legend: { show: false },
    xAxis: { boundaryGap: 'justify', disableGrid: false, min: 0, axisLine: false },
    yAxis: {},
    extra: { bar: { width: 16, type: 'group', linearType: 'none' } },
    dataLabel: true,
  };
}

function minutesChart(s: StatsOverviewDto): ChartOptions {
  return {
    ...BASE,
    type: 'column',
    categories: ['中位数', '90 分位'],
    series: [{ name: '分钟', data: [s.medianMinutesToAccept ?? 0, s.p90MinutesToAccept ?? 0], color: '#1d4ed8' }],
    legend: { show: false },
    yAxis: { data: [{ min: 0 }] },
    extra: { column: { width: 40 } },
    dataLabel: true,
  };
}

/** A share (0..1) as a progress ring, e.g. 按时接单率 or the rating out of 5. */
function ringOf(value: number, title: string, label: string, color: string): ChartOptions {
  return {
    ...BASE,
    type: 'arcbar',
    series: [{ name: label, data: Math.max(0, Math.min(1, value)), color }],
    title: { name: title, fontSize: 22, color },
    subtitle: { name: label, fontSize: 12, color: '#595959' },
    extra: { arcbar: { type: 'circle', width: 12, backgroundColor: '#f0f0f0', startAngle: 1.5, endAngle: 0.25, gap: 2 } },
    legend: { show: false },
  };
}

/**
 * 统计 (the dashboard for the people running the service): the figures of `GET /stats/overview` for my jurisdiction
 * and a period — orders by status and by service, people served, volunteer hours, how fast orders are taken
 * (median and 90th percentile), the share taken in time, the rating, escalations.
 */
export default function DispatchStats() {
  const [period, setPeriod] = useState('30');
  const days = PERIODS.find((p) => p.key === period)?.days ?? null;
  const stats = useLoader(() => getStatsOverview(days === null ? {} : { from: new Date(Date.now() - days * DAY).toISOString() }), [days]);

  usePullDownRefresh(() => {
    void stats.reload().finally(() => Taro.stopPullDownRefresh());
  });

  const s = stats.data;
  const charts = useMemo(
    () =>
      s && {
        status: statusChart(s),
        category: categoryChart(s),
        minutes: minutesChart(s),
        inTime:
          s.acceptedBeforeDeadlineShare === null
            ? null
            : ringOf(s.acceptedBeforeDeadlineShare, `${Math.round(s.acceptedBeforeDeadlineShare * 100)}%`, '按时接单', '#15803d'),
        rating: s.averageRating === null ? null : ringOf(s.averageRating / 5, s.averageRating.toFixed(1), '平均评分（满分 5）', '#c2410c'),
      },
    [s],
  );

  const figures = s
    ? [
        { label: '需求总数', value: String(s.total) },
        { label: '服务居民（人）', value: String(s.peopleServed) },
        { label: '志愿服务（小时）', value: s.volunteerServiceHours.toFixed(1) },
        { label: '升级处理（次）', value: String(s.escalations) },
      ]
    : [];

  return (
    <StaffPage className='dispatch-stats'>
      <Section>
        <Tabs value={period} onChange={(v) => setPeriod(String(v))} activeType='line'>
          {PERIODS.map((p) => (
            <TabPane key={p.key} value={p.key} title={p.title} />
          ))}
        </Tabs>
      </Section>
      <PageState {...firstLoad(stats)}>
        {s && charts && (
          <View>
            <Figures>
              {figures.map((f) => (
                <Figure key={f.label} label={f.label} value={f.value} />
              ))}
            </Figures>

            {s.total === 0 ? (
              <Hint>这段时间没有需求。</Hint>
            ) : (
              <View>
                <View className='staff-chart-card'>
                  <Text className='staff-chart-card__title'>各状态需求</Text>
                  <StaffChart key={`status-${period}`} options={charts.status} height={220} label='各状态需求' />
                </View>
                <View className='staff-chart-card'>
                  <Text className='staff-chart-card__title'>各服务需求（前 8 项）</Text>
                  <StaffChart
                    key={`category-${period}`}
                    options={charts.category}
                    height={Math.max(160, 36 * Math.min(8, s.byCategory.length) + 40)}
                    label='各服务需求'
                  />
                </View>
                <View className='staff-chart-card'>
                  <Text className='staff-chart-card__title'>从下单到接单（分钟）</Text>
                  {s.medianMinutesToAccept === null ? (
                    <Hint>还没有被接的需求。</Hint>
                  ) : (
                    <StaffChart key={`minutes-${period}`} options={charts.minutes} height={200} label='从下单到接单的分钟数' />
                  )}
                  <Text className='staff-chart-card__note'>一半的需求在中位数之内被接单，九成在 90 分位之内。</Text>
                </View>
                <Figures>
                  <Figure label='在时限内接单的比例' value={charts.inTime ? undefined : '暂无'}>
                    {charts.inTime && <StaffChart key={`in-time-${period}`} options={charts.inTime} height={150} label='按时接单率' />}
                  </Figure>
                  <Figure label='居民评分' value={charts.rating ? undefined : '暂无'}>
                    {charts.rating && <StaffChart key={`rating-${period}`} options={charts.rating} height={150} label='平均评分' />}
                  </Figure>
                </Figures>
              </View>
            )}
          </View>
        )}
      </PageState>
    </StaffPage>
  );
}
