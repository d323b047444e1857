import { Picker, Text, View } from '@tarojs/components';
import './period-picker.css';

/**
 * The period of the statistics and of the ledgers: 本月, 上月, 本年, or 自定义 (two dates, both days included). Days
 * are Beijing days (the server takes `from` inclusive and `to` exclusive, as times with their +08:00 offset).
 */

export type PeriodKey = 'this-month' | 'last-month' | 'this-year' | 'custom';

export interface PeriodValue {
  key: PeriodKey;
  /** 自定义: the first and the last day, `YYYY-MM-DD`. */
  start: string;
  end: string;
}

const CHOICES: ReadonlyArray<{ key: PeriodKey; title: string }> = [
  { key: 'this-month', title: '本月' },
  { key: 'last-month', title: '上月' },
  { key: 'this-year', title: '本年' },
  { key: 'custom', title: '自定义' },
];

const BEIJING_MS = 8 * 3600_000;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** A Beijing day (month and day may overflow: Date.UTC carries them) as `YYYY-MM-DD`. */
function day(y: number, m: number, d: number): string {
  const x = new Date(Date.UTC(y, m - 1, d));
  return `${x.getUTCFullYear()}-${pad(x.getUTCMonth() + 1)}-${pad(x.getUTCDate())}`;
}

/** Today in Beijing, `YYYY-MM-DD`. */
export function beijingToday(now = new Date()): string {
  return new Date(now.getTime() + BEIJING_MS).toISOString().slice(0, 10);
}

/** The day after `YYYY-MM-DD`. */
function nextDay(d: string): string {
  const [y, m, dd] = d.split('-').map(Number) as [number, number, number];
  return day(y, m, dd + 1);
}

const midnight = (d: string) => `${d}T00:00:00+08:00`;

/** The period as the API takes it: `from` inclusive, `to` exclusive, Beijing midnights. */
export function periodRange(p: PeriodValue, now = new Date()): { from: string; to: string } {
  const [y, m] = beijingToday(now).split('-').map(Number) as [number, number];
  switch (p.key) {
    case 'this-month':
      return { from: midnight(day(y, m, 1)), to: midnight(day(y, m + 1, 1)) };
    case 'last-month':
      return { from: midnight(day(y, m - 1, 1)), to: midnight(day(y, m, 1)) };
    case 'this-year':
      return { from: midnight(day(y, 1, 1)), to: midnight(day(y + 1, 1, 1)) };
    case 'custom':
      return { from: midnight(p.start), to: midnight(nextDay(p.end)) };
  }
}

/** How the period reads: 「2026-11-01 至 2026-11-30」. */
export function periodWords(p: PeriodValue, now = new Date()): string {
  const { from, to } = periodRange(p, now);
  const last = new Date(Date.parse(to) - 1);
  return `${from.slice(0, 10)} 至 ${beijingToday(last)}`;
}

export function defaultPeriod(now = new Date()): PeriodValue {
  const today = beijingToday(now);
  return { key: 'this-month', start: `${today.slice(0, 8)}01`, end: today };
}

/**
 * The four choices as chips, and for 自定义 two date pickers; `errors` are the messages of the fields `from` and
 * `to` (the shared rule's, checked before asking, or the server's), shown beside the dates.
 */
export function PeriodPicker({
  value,
  onChange,
  errors = {},
}: {
  value: PeriodValue;
  onChange: (v: PeriodValue) => void;
  errors?: { from?: string; to?: string };
}) {
  return (
    <View className='period-picker'>
      <View className='period-picker__chips'>
        {CHOICES.map((c) => (
          <View
            key={c.key}
            className={`period-picker__chip ${value.key === c.key ? 'period-picker__chip--on' : ''}`}
            onClick={() => onChange({ ...value, key: c.key })}
          >
            <Text>{c.title}</Text>
          </View>
        ))}
      </View>
      {value.key === 'custom' ? (
        <View className='period-picker__dates'>
          <Picker mode='date' value={value.start} onChange={(e) => onChange({ ...value, start: String(e.detail.value) })}>
            <View className='period-picker__date period-picker__start'>
              <Text className='period-picker__label'>开始日期</Text>
              <Text className='period-picker__value'>{value.start}</Text>
            </View>
          </Picker>
          {errors.from && <Text className='period-picker__error'>{errors.from}</Text>}
          <Picker mode='date' value={value.end} onChange={(e) => onChange({ ...value, end: String(e.detail.value) })}>
            <View className='period-picker__date period-picker__end'>
              <Text className='period-picker__label'>结束日期（含当天）</Text>
              <Text className='period-picker__value'>{value.end}</Text>
            </View>
          </Picker>
          {errors.to && <Text className='period-picker__error'>{errors.to}</Text>}
        </View>
      ) : (
        <Text className='period-picker__words'>{periodWords(value)}</Text>
      )}
    </View>
  );
}
