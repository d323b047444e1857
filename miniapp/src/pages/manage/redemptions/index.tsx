import { useState } from 'react';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Radio } from '@nutui/nutui-react-taro';
import { REDEMPTION_STATUS_NAMES, type RedemptionDto, type RedemptionStatus } from '@bangbang/shared';
import { LoadMore, PageState, firstLoad, showError, showSuccess, usePagedLoader } from '../../../components';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { cancelRedemption, handOverRedemption, listRedemptions } from '../../../services/endpoints';
import '../../points/points.css';

function when(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000);
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/**
 * 兑换核销 (community staff): the redemptions of the communities I look after, those waiting first. 核销 when the item
 * is handed over; 取消 gives the points and the item back (both recorded, never edited).
 */
export default function Redemptions() {
  const [status, setStatus] = useState<RedemptionStatus | 'all'>('pending');
  const list = usePagedLoader<RedemptionDto>(
    (cursor) => listRedemptions({ ...(status === 'all' ? {} : { status }), ...(cursor ? { cursor } : {}) }),
    [status],
    {
      refreshOnShow: true,
    },
  );
  usePullDownRefresh(() => {
    void list.reload().finally(() => Taro.stopPullDownRefresh());
  });

  const handOver = async (r: RedemptionDto) => {
    const { confirm } = await Taro.showModal({ title: '核销', content: `确认已把「${r.item.name}」交给${r.person.name}？`, confirmText: '已交付' });
    if (!confirm) return;
    try {
      await handOverRedemption(r.id);
      showSuccess('已核销');
    } catch (error) {
      showError(error);
    }
    await list.reload();
  };

  const cancel = async (r: RedemptionDto) => {
    const { confirm } = await Taro.showModal({
      title: '取消兑换',
      content: `取消${r.person.name}兑换的「${r.item.name}」？${r.price} 积分退回，库存恢复。`,
      confirmText: '取消兑换',
      cancelText: '不取消',
    });
    if (!confirm) return;
    try {
      await cancelRedemption(r.id, '工作人员取消');
      showSuccess('已取消');
    } catch (error) {
      showError(error);
    }
    await list.reload();
  };

  const items = list.data?.items ?? [];
  return (
    <StaffPage className='manage-redemptions'>
      <SectionTitle>积分兑换</SectionTitle>
      <View className='points-switch'>
        <Radio.Group
          className='staff-choice manage-redemptions__status'
          value={status}
          direction='horizontal'
          onChange={(v) => setStatus(v as RedemptionStatus | 'all')}
        >
          <Radio value='pending' shape='button'>
            待领取
          </Radio>
          <Radio value='handed_over' shape='button'>
            已领取
          </Radio>
          <Radio value='all' shape='button'>
            全部
          </Radio>
        </Radio.Group>
      </View>
      <PageState {...firstLoad(list)}>
        {items.length === 0 ? (
          <Hint>没有{status === 'pending' ? '待领取的' : ''}兑换。</Hint>
        ) : (
          items.map((r) => (
            <View key={r.id} className='points-card manage-redemption'>
              <View className='points-card__main'>
                <Text className='points-card__title manage-redemption__what'>
                  {r.person.name} · {r.item.name}
                </Text>
                <Text className='points-card__sub'>
                  {r.community.name} · {r.price} 分 · {when(r.createdAt)} · {REDEMPTION_STATUS_NAMES[r.status]}
                  {r.decidedBy ? `（${r.decidedBy.name}）` : ''}
                </Text>
              </View>
              {r.status === 'pending' && (
                <View className='points-card__actions'>
                  <Button className='manage-redemption__hand-over' type='primary' size='small' onClick={() => void handOver(r)}>
                    核销
                  </Button>
                  <Button className='manage-redemption__cancel' size='small' onClick={() => void cancel(r)}>
                    取消
                  </Button>
                </View>
              )}
            </View>
          ))
        )}
        <LoadMore list={list} />
      </PageState>
    </StaffPage>
  );
}
