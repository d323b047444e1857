import { Text, View } from '@tarojs/components';
import { LEDGER_TAG_NAMES, VISIT_CONDITION_NAMES, VISIT_FREQUENCY_NAMES, VISIT_STATE_NAMES, type VisitDto, type VisitState } from '@bangbang/shared';
import { StaffTag, type TAG_COLORS } from './staff-order-card';
import './visit-card.css';

const STATE_COLOR: Record<VisitState, keyof typeof TAG_COLORS> = { open: 'blue', checked_in: 'purple', done: 'green', missed: 'red' };

/** The last day of a visit's period, Beijing time ("12月13日"): its due time is the first instant after it. */
export function lastDay(dueAt: string): string {
  const d = new Date(Date.parse(dueAt) - 1 + 8 * 3600_000);
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
}

/**
 * One visit (走访) as a card: the household (name, address, ledger tags), the period and its last day, the state;
 * done, how the household was found.
 */
export function VisitCard({ visit, onClick, showAssignee = false }: { visit: VisitDto; onClick?: () => void; showAssignee?: boolean }) {
  const v = visit;
  return (
    <View className={`visit-card visit-card--${v.state}`} onClick={onClick}>
      <View className='visit-card__head'>
        <Text className='visit-card__name'>{v.household.name}</Text>
        <StaffTag color={STATE_COLOR[v.state]}>{v.state === 'done' && v.late ? '已补访' : VISIT_STATE_NAMES[v.state]}</StaffTag>
      </View>
      {v.household.address && <Text className='visit-card__line'>{v.household.address}</Text>}
      <Text className='visit-card__line'>
        {v.household.regionName} · {VISIT_FREQUENCY_NAMES[v.frequency]}走访 · {v.periodLabel} · {lastDay(v.dueAt)}前
      </Text>
      {showAssignee && <Text className='visit-card__line'>负责人：{v.assignee?.name ?? '未指定'}</Text>}
      {v.condition && (
        <Text className='visit-card__line'>
          状况：{VISIT_CONDITION_NAMES[v.condition]}
          {v.note ? ` · ${v.note}` : ''}
          {v.orderId ? ' · 已代为下单' : ''}
        </Text>
      )}
      {v.household.tags.length > 0 && (
        <View className='visit-card__tags'>
          {v.household.tags.map((t) => (
            <StaffTag key={t} color='orange'>
              {LEDGER_TAG_NAMES[t]}
            </StaffTag>
          ))}
        </View>
      )}
    </View>
  );
}
