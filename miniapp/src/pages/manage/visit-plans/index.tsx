import { useState } from 'react';
import { useRouter } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Radio } from '@nutui/nutui-react-taro';
import {
  LEDGER_TAG_NAMES,
  SetVisitPlanDto,
  VISIT_FREQUENCIES,
  VISIT_FREQUENCY_NAMES,
  type LedgerTag,
  type VisitCoverageRowDto,
  type VisitFrequency,
  type VisitPlanEntryDto,
} from '@bangbang/shared';
import { PageState, errorMessage, firstLoad, showError, showSuccess, useLoader } from '../../../components';
import { FieldError, FormProblem, useFieldErrors } from '../../../components/field-errors';
import { Hint, Section, SectionTitle, StaffPage } from '../../../components/staff-page';
import { downloadVisitCoverage, getVisitCoverage, getVisitPlan, setVisitPlan } from '../../../services/endpoints';
import { useCurrentUser } from '../../../services/session';
import './index.css';

/** 「沿用上级」: the place's own setting removed. */
const INHERIT = 'inherit';
type Choice = VisitFrequency | typeof INHERIT;

function sourceWords(p: VisitPlanEntryDto): string {
  if (p.source === 'own') return '本级设置';
  if (p.source === 'inherited') return `沿用${p.fromRegionName ?? '上级'}的设置`;
  return '默认';
}

const percent = (r: VisitCoverageRowDto) => (r.coverage === null ? '—' : `${Math.round(r.coverage * 1000) / 10}%`);

/**
 * 走访计划: how often each kind of ledger household (独居、高龄、低保…) is visited at a place — its own setting, one
 * from a place above, or the default — changed by admins (沿用上级 removes the place's own); and 走访覆盖率: per
 * child place, the visits of the last 90 days due, done on time, late, missed (tap a row to go down a level), with
 * the Excel export.
 */
export default function VisitPlans() {
  const { params } = useRouter();
  const me = useCurrentUser();
  const [placeId, setPlaceId] = useState<string | null>(params.regionId ?? null);
  const place = placeId ?? me?.regionId ?? null;
  const isAdmin = (me?.roles ?? []).includes('admin');
  const plan = useLoader(() => (place === null ? Promise.resolve(null) : getVisitPlan(place)), [place]);
  const coverage = useLoader(() => getVisitCoverage(place === null ? {} : { regionId: place }), [place]);
  const [draft, setDraft] = useState<Partial<Record<LedgerTag, Choice>>>({});
  const [saving, setSaving] = useState(false);
  const errors = useFieldErrors({ plans: '走访频次', regionId: '地区' });

  const save = async () => {
    if (place === null) return;
    const body = {
      regionId: place,
      plans: (Object.entries(draft) as Array<[LedgerTag, Choice]>).map(([tag, c]) => ({ tag, frequency: c === INHERIT ? null : c })),
    };
    if (body.plans.length === 0) return;
    if (!errors.check(SetVisitPlanDto, body)) return;
    setSaving(true);
    try {
      plan.setData(await setVisitPlan(body));
      setDraft({});
      errors.clear();
      showSuccess('走访计划已保存');
    } catch (error) {
      errors.take(error);
    } finally {
      setSaving(false);
    }
  };

  const exportIt = async () => {
    try {
      await downloadVisitCoverage(place === null ? {} : { regionId: place });
    } catch (error) {
      showError(error);
    }
  };

  const rows = coverage.data?.rows ?? [];
  return (
    <StaffPage className='visit-plans'>
      <Section>
        <SectionTitle>走访计划{plan.data ? ` · ${plan.data.regionName}` : ''}</SectionTitle>
        <Hint>一户有多个标签时按最频繁的走访；下级地区没有设置的沿用上级。{isAdmin ? '' : '（只有管理员可以修改）'}</Hint>
        {place === null ? (
          <Hint>请在下方的覆盖率表中点选一个地区。</Hint>
        ) : (
          <PageState {...firstLoad(plan)}>
            {(plan.data?.plans ?? []).map((p) => {
              const chosen: Choice = draft[p.tag] ?? (p.source === 'own' ? p.frequency : INHERIT);
              return (
                <View key={p.tag} className={`visit-plans__tag visit-plans__tag--${p.tag}`}>
                  <Text className='visit-plans__tag-name'>{LEDGER_TAG_NAMES[p.tag]}</Text>
                  <Text className='visit-plans__source'>
                    现在：{VISIT_FREQUENCY_NAMES[p.frequency]}（{sourceWords(p)}）
                  </Text>
                  {isAdmin && (
                    <Radio.Group
                      className='visit-plans__choice'
                      value={chosen}
                      direction='horizontal'
                      onChange={(v) => setDraft({ ...draft, [p.tag]: v as Choice })}
                    >
                      {VISIT_FREQUENCIES.map((f) => (
                        <Radio key={f} value={f} shape='button'>
                          {VISIT_FREQUENCY_NAMES[f]}
                        </Radio>
                      ))}
                      <Radio value={INHERIT} shape='button'>
                        沿用上级
                      </Radio>
                    </Radio.Group>
                  )}
                </View>
              );
            })}
            <FieldError errors={errors} field='plans' />
            <FormProblem errors={errors} />
            {isAdmin && (
              <View className='visit-plans__buttons'>
                <Button
                  className='visit-plans__save'
                  type='primary'
                  size='large'
                  block
                  loading={saving}
                  disabled={saving || Object.keys(draft).length === 0}
                  onClick={() => void save()}
                >
                  保存走访计划
                </Button>
              </View>
            )}
          </PageState>
        )}
      </Section>

      <Section>
        <SectionTitle>走访覆盖率（最近 90 天到期的走访）</SectionTitle>
        <Hint>已访：时段内至少走访过一次的户；应走访、按时、补访、未走访按户次计。点地区查看下一级。</Hint>
      </Section>
      <PageState {...firstLoad(coverage)}>
        <View className='visit-plans__table'>
          <View className='visit-plans__row visit-plans__row--head'>
            <Text className='visit-plans__cell visit-plans__cell--name'>地区</Text>
            <Text className='visit-plans__cell visit-plans__cell--households'>已访/台账户</Text>
            <Text className='visit-plans__cell'>应走访</Text>
            <Text className='visit-plans__cell'>按时</Text>
            <Text className='visit-plans__cell'>补访</Text>
            <Text className='visit-plans__cell'>未走访</Text>
            <Text className='visit-plans__cell visit-plans__cell--rate'>按时率</Text>
          </View>
          {[...rows, ...(coverage.data ? [{ ...coverage.data.total, name: `合计 · ${coverage.data.total.name}` }] : [])].map((r, i) => (
            <View
              key={r.regionId ?? `total-${i}`}
              className={`visit-plans__row ${i === rows.length ? 'visit-plans__row--total' : 'visit-plans__row--place'}`}
              onClick={() => {
                if (i < rows.length && r.regionId !== null && r.level !== 'grid') {
                  setDraft({});
                  setPlaceId(r.regionId);
                }
              }}
            >
              <Text className='visit-plans__cell visit-plans__cell--name'>{r.name}</Text>
              <Text className='visit-plans__cell visit-plans__cell--households'>
                {r.householdsVisited}/{r.households}
              </Text>
              <Text className='visit-plans__cell'>{r.due}</Text>
              <Text className='visit-plans__cell'>{r.onTime}</Text>
              <Text className='visit-plans__cell'>{r.late}</Text>
              <Text className='visit-plans__cell'>{r.missed}</Text>
              <Text className='visit-plans__cell visit-plans__cell--rate'>{percent(r)}</Text>
            </View>
          ))}
        </View>
      </PageState>
      <View className='visit-plans__buttons'>
        <Button className='visit-plans__export' block size='large' onClick={() => void exportIt()}>
          导出走访覆盖率（Excel）
        </Button>
        {coverage.error !== undefined && <Hint>{errorMessage(coverage.error)}</Hint>}
      </View>
    </StaffPage>
  );
}
