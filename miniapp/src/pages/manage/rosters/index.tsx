import { useEffect, useState } from 'react';
import Taro, { useRouter } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Input } from '@nutui/nutui-react-taro';
import { DUTY_STATES, DUTY_STATE_NAMES, RosterDto, isValidSlot, type DutyPersonDto, type DutyState, type RegionDto, type RosterSlot } from '@bangbang/shared';
import { LoadMore, PageState, showError, showSuccess, useLoader, usePagedLoader } from '../../../components';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { FormLabel, StaffForm } from '../../../components/staff-form';
import { StaffTag } from '../../../components/staff-order-card';
import { getUser, getUserRoster, listDuty, setUserRoster } from '../../../services/endpoints';
import { ROLE_NAMES } from '../../../services/roles';
import { FieldError, FormProblem, useFieldErrors } from '../../../components/field-errors';
import { WEEKDAY_NAMES, slotsWords } from '../../../services/labels';
import { Chip, Chips, ScopePicker } from '../people/kit';
import './index.css';

/** The parts of a day the week grid shows (a slot counts in every band it overlaps). */
const BANDS: ReadonlyArray<readonly [string, string]> = [
  ['00:00', '08:00'],
  ['08:00', '10:00'],
  ['10:00', '12:00'],
  ['12:00', '14:00'],
  ['14:00', '16:00'],
  ['16:00', '18:00'],
  ['18:00', '20:00'],
  ['20:00', '24:00'],
];

/** Slots a person adds with one tap. */
const PRESETS: ReadonlyArray<{ label: string; start: string; end: string }> = [
  { label: '上午', start: '08:00', end: '12:00' },
  { label: '下午', start: '14:00', end: '18:00' },
  { label: '晚上', start: '18:00', end: '21:00' },
];

/** Who is rostered on each weekday (1–7) in each band: the week grid of a place (值班表总览). */
function weekGrid(people: readonly DutyPersonDto[]): string[][][] {
  return [1, 2, 3, 4, 5, 6, 7].map((weekday) =>
    BANDS.map(([from, to]) => people.filter((p) => (p.roster ?? []).some((s) => s.weekday === weekday && s.start < to && from < s.end)).map((p) => p.name)),
  );
}

function stateOf(p: Pick<DutyPersonDto, 'onDuty' | 'availableNow'>): { text: string; color: 'green' | 'orange' | 'blue' } {
  if (p.availableNow) return { text: '此刻可接单', color: 'green' };
  if (p.onDuty) return { text: '已上岗·不在值班时段', color: 'orange' };
  return { text: '未上岗', color: 'blue' };
}

/** 在岗情况 and 值班表总览 of a place: who serves, who is on duty now, and who is rostered when in the week. */
function Overview() {
  const [place, setPlace] = useState<RegionDto>();
  const [state, setState] = useState<DutyState>('all');
  const [cell, setCell] = useState<{ weekday: number; band: number }>();
  const people = usePagedLoader(
    (cursor) => listDuty({ limit: 100, state, ...(cursor ? { cursor } : {}), ...(place ? { regionId: place.id } : {}) }),
    [state, place?.id],
    { refreshOnShow: true },
  );
  const items = people.data?.items ?? [];
  const grid = weekGrid(items);
  const picked = cell ? grid[cell.weekday - 1]?.[cell.band] : undefined;
  const unrostered = items.filter((p) => !p.roster || p.roster.length === 0).length;

  return (
    <>
      <ScopePicker onChange={setPlace} />
      <View className='rosters__layout'>
        <View className='rosters__week'>
          <SectionTitle>一周值班表（人数）</SectionTitle>
          <View className='rosters__grid'>
            <View className='rosters__grid-row rosters__grid-row--head'>
              <Text className='rosters__grid-band' />
              {WEEKDAY_NAMES.map((d) => (
                <Text key={d} className='rosters__grid-day'>
                  {d.slice(1)}
                </Text>
              ))}
            </View>
            {BANDS.map(([from, to], band) => (
              <View key={from} className='rosters__grid-row'>
                <Text className='rosters__grid-band'>{`${from.slice(0, 2)}–${to.slice(0, 2)}`}</Text>
                {WEEKDAY_NAMES.map((d, i) => {
                  const names = grid[i]?.[band] ?? [];
                  const on = cell?.weekday === i + 1 && cell.band === band;
                  return (
                    <Text
                      key={d}
                      className={`rosters__grid-cell ${names.length > 0 ? 'rosters__grid-cell--some' : ''} ${on ? 'rosters__grid-cell--on' : ''}`}
                      onClick={() => setCell({ weekday: i + 1, band })}
                    >
                      {names.length > 0 ? String(names.length) : '·'}
                    </Text>
                  );
                })}
              </View>
            ))}
          </View>
          {cell && (
            <Hint className='rosters__cell-names'>
              {`${WEEKDAY_NAMES[cell.weekday - 1] ?? ''} ${BANDS[cell.band]?.[0] ?? ''}–${BANDS[cell.band]?.[1] ?? ''}：${picked && picked.length > 0 ? picked.join('、') : '没有人值班'}`}
            </Hint>
          )}
          <Hint>
            {`点格子看是谁。未设值班表的 ${unrostered} 人上岗即可接单，不计入上表。`}
            {people.data?.nextCursor ? `表中只计已载入的 ${items.length} 人，点下方「加载更多」计入其余的人。` : ''}
          </Hint>
        </View>
        <View className='rosters__people'>
          <SectionTitle>在岗情况</SectionTitle>
          <Chips className='rosters__states'>
            {DUTY_STATES.map((s) => (
              <Chip key={s} on={state === s} onClick={() => setState(s)}>
                {DUTY_STATE_NAMES[s]}
              </Chip>
            ))}
          </Chips>
          <PageState loading={people.loading && !people.data} error={people.error} onRetry={() => void people.reload()}>
            {people.data && items.length === 0 && <Hint>这里没有符合条件的志愿者或网格员。</Hint>}
            {items.length > 0 && (
              <View className='manage-table rosters__table'>
                <View className='manage-table__head'>
                  <Text>姓名</Text>
                  <Text>所在地区</Text>
                  <Text>状态</Text>
                  <Text>每周值班</Text>
                </View>
                {items.map((p) => {
                  const s = stateOf(p);
                  return (
                    <View
                      key={p.id}
                      className='manage-table__row rosters__row'
                      onClick={() => void Taro.navigateTo({ url: `/pages/manage/rosters/index?userId=${p.id}` })}
                    >
                      <Text className='manage-table__cell manage-table__cell--main'>
                        {p.name}
                        <Text className='rosters__roles'>{` ${p.roles
                          .filter((r) => r === 'volunteer' || r === 'grid_worker')
                          .map((r) => ROLE_NAMES[r])
                          .join('、')}`}</Text>
                      </Text>
                      <Text className='manage-table__cell'>{p.regionName ?? '—'}</Text>
                      <View className='manage-table__cell'>
                        <StaffTag color={s.color}>{s.text}</StaffTag>
                      </View>
                      <Text className='manage-table__cell manage-table__cell--muted'>{slotsWords(p.roster, '未设值班表（上岗即可接单）')}</Text>
                    </View>
                  );
                })}
              </View>
            )}
            <LoadMore list={people} />
          </PageState>
        </View>
      </View>
    </>
  );
}

interface EditSlot extends RosterSlot {
  key: number;
}

const byTime = (a: RosterSlot, b: RosterSlot) => a.weekday - b.weekday || a.start.localeCompare(b.start);

/** A person's weekly roster (值班表): slots per weekday, added with one tap and adjusted by hand. */
function Editor({ userId }: { userId: string }) {
  const loaded = useLoader(async () => {
    const [person, duty] = await Promise.all([getUser(userId), getUserRoster(userId)]);
    return { person, duty };
  }, [userId]);
  const [slots, setSlots] = useState<EditSlot[]>([]);
  const [saving, setSaving] = useState(false);
  const errors = useFieldErrors({ slots: '值班时段' });
  useEffect(() => {
    const roster = loaded.data?.duty.roster ?? [];
    setSlots([...roster].sort(byTime).map((s, i) => ({ ...s, key: i })));
  }, [loaded.data]);

  const add = (weekday: number, start: string, end: string) => setSlots([...slots, { key: Date.now(), weekday, start, end }].sort(byTime));
  const change = (key: number, patch: Partial<RosterSlot>) => setSlots(slots.map((s) => (s.key === key ? { ...s, ...patch } : s)));
  const remove = (key: number) => setSlots(slots.filter((s) => s.key !== key));

  const save = async (list: readonly EditSlot[]) => {
    const body = { slots: list.map(({ weekday, start, end }) => ({ weekday, start, end })) };
    if (!errors.check(RosterDto, body)) return;
    const backwards = list.findIndex((s) => !isValidSlot(s));
    if (backwards >= 0) {
      // the server's own rule (and words), said before asking it
      errors.mark([{ field: `slots[${backwards}]`, message: '开始时间须早于结束时间' }], '有一个时段的开始时间晚于结束时间，请改正（跨过午夜请分成两段）。');
      return;
    }
    setSaving(true);
    try {
      const duty = await setUserRoster(userId, body);
      errors.clear();
      showSuccess('值班表已保存');
      if (loaded.data) loaded.setData({ ...loaded.data, duty });
    } catch (error) {
      errors.take(error);
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  const data = loaded.data;
  return (
    <PageState loading={loaded.loading && !data} error={loaded.error} onRetry={() => void loaded.reload()}>
      {data && (
        <>
          <SectionTitle>{`${data.person.name}的值班表`}</SectionTitle>
          <Hint>{`${stateOf(data.duty).text}。每周固定时段值班；不设值班表时，本人上岗即可接单。时间为北京时间，跨过午夜请分成两段。`}</Hint>
          <StaffForm className='rosters__editor'>
            {WEEKDAY_NAMES.map((day, i) => {
              const weekday = i + 1;
              return (
                <View key={day} className='rosters__day'>
                  <FormLabel>{day}</FormLabel>
                  {slots.map((s, index) =>
                    s.weekday !== weekday ? null : (
                      <View key={s.key} className='rosters__slot'>
                        <View className='rosters__slot-times'>
                          <Input
                            className='manage-kit__input rosters__time rosters__start'
                            value={s.start}
                            maxLength={5}
                            onChange={(v) => change(s.key, { start: v })}
                          />
                          <Text>–</Text>
                          <Input
                            className='manage-kit__input rosters__time rosters__end'
                            value={s.end}
                            maxLength={5}
                            onChange={(v) => change(s.key, { end: v })}
                          />
                          <Text className='rosters__remove' onClick={() => remove(s.key)}>
                            删除
                          </Text>
                        </View>
                        <FieldError errors={errors} field={`slots[${index}]`} />
                      </View>
                    ),
                  )}
                  <View className='rosters__presets'>
                    {PRESETS.map((p) => (
                      <Text key={p.label} className='rosters__preset' onClick={() => add(weekday, p.start, p.end)}>
                        {`+ ${p.label}`}
                      </Text>
                    ))}
                  </View>
                </View>
              );
            })}
            <FormProblem errors={errors} />
            <Button className='rosters__save' type='primary' size='large' block loading={saving} disabled={saving} onClick={() => void save(slots)}>
              保存值班表
            </Button>
            <Button size='large' block disabled={saving} onClick={() => void save([]).then(() => setSlots([]))}>
              不设值班表（上岗即可接单）
            </Button>
          </StaffForm>
        </>
      )}
    </PageState>
  );
}

/**
 * 排班值班: with `userId`, one volunteer's or grid worker's weekly roster to set; without, the duty of a place — who is
 * on duty and available now, and who is rostered when in the week.
 */
export default function Rosters() {
  const userId = useRouter().params.userId;
  return <StaffPage className='rosters'>{userId ? <Editor userId={userId} /> : <Overview />}</StaffPage>;
}
