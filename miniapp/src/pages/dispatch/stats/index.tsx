import { useMemo, useState } from 'react';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { ScrollView, Text, View } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import {
  ORDER_STATUSES,
  ORDER_STATUS_NAMES,
  PLACE_FIGURES,
  PLACE_LEVEL_NAMES,
  StatsByPlaceQuery,
  formatFigure,
  validateDto,
  type ExportFormat,
  type PlaceFiguresDto,
  type RegionHitDto,
  type StatsByPlaceDto,
  type StatsOverviewDto,
} from '@bangbang/shared';
import { PageState, PlacePicker, firstLoad, showError, useLoader } from '../../../components';
import { Hint, Section, SectionTitle, StaffPage } from '../../../components/staff-page';
import { Figure, Figures } from '../../../components/figures';
import { PeriodPicker, defaultPeriod, periodRange, type PeriodValue } from '../../../components/period-picker';
import StaffChart, { type ChartOptions } from '../../../components/staff-chart';
import { downloadExport, getStatsByPlace, getStatsOverview } from '../../../services/endpoints';
import './index.css';

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

type FigureKey = (typeof PLACE_FIGURES)[number]['key'];

/** A figure of a row as the chart draws it: a share in percent, nothing as 0. */
function chartValue(key: FigureKey, f: PlaceFiguresDto): number {
  const v = f[key];
  if (v === null) return 0;
  return key === 'onTimeShare' ? Math.round(v * 1000) / 10 : v;
}

/** One figure across the child places, as horizontal bars (names stay readable however many places there are). */
function figureChart(s: StatsByPlaceDto, key: FigureKey): ChartOptions {
  const f = PLACE_FIGURES.find((x) => x.key === key)!;
  return {
    ...BASE,
    // room on the right for the longest bar's label
    padding: [12, 32, 8, 8],
    type: 'bar',
    categories: s.rows.map((r) => r.name),
    series: [{ name: `${f.label}（${f.unit}）`, data: s.rows.map((r) => chartValue(key, r)), color: '#c8102e' }],
    legend: { show: false },
    xAxis: { boundaryGap: 'justify', disableGrid: false, min: 0, axisLine: false },
    yAxis: {},
    extra: { bar: { width: 14, type: 'group', linearType: 'none' } },
    dataLabel: true,
  };
}

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

/**
 * 统计 (按地区下钻): a place (default: the top of my jurisdiction; 选择地区 or a tap on a row changes it, the
 * breadcrumb goes back up) and a period (本月 / 上月 / 本年 / 自定义). Its figures — orders, people served, hours,
 * median wait, on-time share, rating, escalations, never served — then a table of its child places (the rows add
 * up to the place; 「本级」 is what was ordered at the place itself) and a chart of one figure across them, what the
 * orders were (by status and service), and 导出 Excel / CSV of the table on screen. On a desktop (≥ 1024 px) the
 * table and the chart sit side by side.
 */
export default function DispatchStats() {
  const [regionId, setRegionId] = useState<string>();
  const [period, setPeriod] = useState<PeriodValue>(() => defaultPeriod());
  const [picking, setPicking] = useState(false);
  const [figure, setFigure] = useState<FigureKey>('orders');
  const [exporting, setExporting] = useState<ExportFormat>();

  const range = periodRange(period);
  // the shared rule, before asking (the server applies the same): its message goes beside the date it is about
  const checked = validateDto(StatsByPlaceQuery, { ...(regionId ? { regionId } : {}), ...range });
  const fieldErrors = checked.ok ? {} : Object.fromEntries(checked.details.map((d) => [d.field, d.message]));
  const query = checked.ok ? { ...(regionId ? { regionId } : {}), ...range } : undefined;
  const key = JSON.stringify(query ?? null);

  // a period the rule refuses is not asked for: its message shows beside the date instead
  const stats = useLoader(() => (query ? getStatsByPlace(query) : Promise.resolve(undefined)), [key]);
  const overview = useLoader(() => (query ? getStatsOverview(query) : Promise.resolve(undefined)), [key]);

  usePullDownRefresh(() => {
    void Promise.all([stats.reload(), overview.reload()]).finally(() => Taro.stopPullDownRefresh());
  });

  const s = stats.data;
  const o = overview.data;
  const chart = useMemo(() => (s && s.rows.length > 0 ? figureChart(s, figure) : null), [s, figure]);
  const charts = useMemo(() => o && o.total > 0 && { status: statusChart(o), category: categoryChart(o) }, [o]);

  const pick = (hit: RegionHitDto | undefined) => {
    if (!hit) return;
    setRegionId(hit.id);
    setPicking(false);
  };

  const exportTable = async (format: ExportFormat) => {
    if (!query) return;
    setExporting(format);
    try {
      const name = await downloadExport('stats', format, query);
      void Taro.showToast({ title: `已导出：${name}`, icon: 'none', duration: 2500 });
    } catch (error) {
      showError(error);
    } finally {
      setExporting(undefined);
    }
  };

  return (
    <StaffPage className='dispatch-stats'>
      <View className='dispatch-stats__controls'>
        <Section>
          <View className='dispatch-stats__place'>
            <View className='dispatch-stats__trail'>
              {(s?.trail ?? []).map((p, i, all) => (
                <Text
                  key={p.id ?? 'all'}
                  className={`dispatch-stats__crumb ${i === all.length - 1 ? 'dispatch-stats__crumb--here' : ''}`}
                  onClick={() => i < all.length - 1 && setRegionId(p.id ?? undefined)}
                >
                  {i > 0 ? ` › ${p.name}` : p.name}
                </Text>
              ))}
            </View>
            <Button className='dispatch-stats__pick' size='small' onClick={() => setPicking(!picking)}>
              {picking ? '收起' : '选择地区'}
            </Button>
          </View>
          {picking && <PlacePicker anyLevel onPick={pick} />}
        </Section>
        <Section>
          <PeriodPicker value={period} onChange={setPeriod} errors={fieldErrors} />
        </Section>
      </View>

      {!checked.ok ? (
        <Hint className='dispatch-stats__invalid'>{fieldErrors.to ?? fieldErrors.from ?? '时间段不正确'}</Hint>
      ) : (
        <PageState {...firstLoad(stats)}>
          {s && (
            <View>
              <Figures>
                {PLACE_FIGURES.map((f) => (
                  <Figure key={f.key} label={`${f.label}${f.unit === '%' ? '' : `（${f.unit}）`}`} value={formatFigure(f.key, s.totals[f.key])} />
                ))}
              </Figures>

              <View className='dispatch-stats__split'>
                <View className='dispatch-stats__table-card'>
                  <SectionTitle>{s.rows.length === 0 ? s.region.name : `${s.region.name}的下级地区`}</SectionTitle>
                  {s.rows.length === 0 ? (
                    <Hint>这里没有下级地区。</Hint>
                  ) : (
                    <ScrollView scrollX className='dispatch-stats__scroll'>
                      <View className='dispatch-stats__table' role='table' aria-label='下级地区统计'>
                        <View className='dispatch-stats__tr dispatch-stats__tr--head' role='row'>
                          <Text className='dispatch-stats__td dispatch-stats__td--name'>地区</Text>
                          {PLACE_FIGURES.map((f) => (
                            <Text key={f.key} className='dispatch-stats__td'>
                              {f.label}
                            </Text>
                          ))}
                        </View>
                        {s.rows.map((r) => (
                          <View
                            key={r.regionId ?? 'own'}
                            role='row'
                            className={`dispatch-stats__tr ${r.hasChildren ? 'dispatch-stats__tr--down' : ''}`}
                            onClick={() => r.hasChildren && r.regionId && setRegionId(r.regionId)}
                          >
                            <Text className='dispatch-stats__td dispatch-stats__td--name'>
                              {r.hasChildren ? `${r.name} ›` : r.name}
                              {r.level ? <Text className='dispatch-stats__level'>{PLACE_LEVEL_NAMES[r.level]}</Text> : null}
                            </Text>
                            {PLACE_FIGURES.map((f) => (
                              <Text key={f.key} className='dispatch-stats__td'>
                                {formatFigure(f.key, r[f.key])}
                              </Text>
                            ))}
                          </View>
                        ))}
                      </View>
                    </ScrollView>
                  )}
                  <Hint>点一行查看它的下级；「本级」是直接在{s.region.name}下的需求。各行相加等于上面的合计。</Hint>
                </View>

                {chart && (
                  <View className='staff-chart-card dispatch-stats__chart-card'>
                    <View className='dispatch-stats__figure-chips'>
                      {PLACE_FIGURES.map((f) => (
                        <Text
                          key={f.key}
                          className={`dispatch-stats__figure-chip ${figure === f.key ? 'dispatch-stats__figure-chip--on' : ''}`}
                          onClick={() => setFigure(f.key)}
                        >
                          {f.label}
                        </Text>
                      ))}
                    </View>
                    <StaffChart
                      key={`${key}-${figure}`}
                      options={chart}
                      height={Math.max(180, 34 * s.rows.length + 50)}
                      label={`各下级地区的${PLACE_FIGURES.find((f) => f.key === figure)!.label}`}
                    />
                  </View>
                )}
              </View>

              <View className='dispatch-stats__exports'>
                <Button
                  className='dispatch-stats__export-xlsx'
                  type='primary'
                  loading={exporting === 'xlsx'}
                  disabled={exporting !== undefined}
                  onClick={() => void exportTable('xlsx')}
                >
                  导出 Excel
                </Button>
                {process.env.TARO_ENV === 'h5' && (
                  <Button
                    className='dispatch-stats__export-csv'
                    loading={exporting === 'csv'}
                    disabled={exporting !== undefined}
                    onClick={() => void exportTable('csv')}
                  >
                    导出 CSV
                  </Button>
                )}
                <Button className='dispatch-stats__ledgers' onClick={() => void Taro.navigateTo({ url: '/pages/manage/export/index' })}>
                  导出台账…
                </Button>
                <Button
                  className='dispatch-stats__visits'
                  onClick={() => void Taro.navigateTo({ url: `/pages/manage/visit-plans/index${regionId ? `?regionId=${regionId}` : ''}` })}
                >
                  走访覆盖率…
                </Button>
              </View>

              {charts && o && (
                <View className='dispatch-stats__split'>
                  <View className='staff-chart-card'>
                    <Text className='staff-chart-card__title'>各状态需求</Text>
                    <StaffChart key={`status-${key}`} options={charts.status} height={220} label='各状态需求' />
                  </View>
                  <View className='staff-chart-card'>
                    <Text className='staff-chart-card__title'>各服务需求（前 8 项）</Text>
                    <StaffChart
                      key={`category-${key}`}
                      options={charts.category}
                      height={Math.max(160, 36 * Math.min(8, o.byCategory.length) + 40)}
                      label='各服务需求'
                    />
                  </View>
                </View>
              )}
              {s.totals.orders === 0 && <Hint>这段时间没有需求。</Hint>}
            </View>
          )}
        </PageState>
      )}
    </StaffPage>
  );
}
