import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { getMissedVisits } from '../services/endpoints';
import { useLoader } from './use-loader';
import './missed-visits-flag.css';

/**
 * The board's flag of missed visits (走访逾期): how many visits of ledger households under my jurisdiction passed
 * their period's end undone; a tap opens the list. Nothing when there are none, or when the count cannot be read
 * (the board itself must not fail for it).
 */
export function MissedVisitsFlag() {
  const missed = useLoader(() => getMissedVisits().catch(() => ({ count: 0, items: [] })), [], { refreshOnShow: true });
  const count = missed.data?.count ?? 0;
  if (count === 0) return null;
  return (
    <View className='missed-visits-flag' onClick={() => void Taro.navigateTo({ url: '/pages/visits/index/index?missed=1' })}>
      <Text className='missed-visits-flag__text'>逾期未走访 {count} 户</Text>
      <Text className='missed-visits-flag__go'>查看 ›</Text>
    </View>
  );
}
