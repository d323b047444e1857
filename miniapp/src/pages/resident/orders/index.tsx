import { useEffect } from 'react';
import Taro, { usePullDownRefresh, useRouter } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import { listOrders } from '../../../services/endpoints';
import { formatTime } from '../../../services/labels';
import { AppPage, LoadMore, PageState, StatusTag, UrgencyTag, useLiveReload, usePagedLoader } from '../../../components';
import './index.css';

const PAGE_SIZE = 20;

/**
 * 我的需求: every order of mine (and those placed for me), newest first, the status kept fresh while it is open.
 * With `residentId` (我的家人): the orders of a family member I follow — an elder whose daughter confirms for them.
 */
export default function MyOrders() {
  const { params } = useRouter();
  const residentId = params.residentId;
  const name = params.name ? decodeURIComponent(params.name) : '';
  const orders = usePagedLoader((cursor) => listOrders({ limit: PAGE_SIZE, cursor, ...(residentId ? { residentId } : {}) }), [residentId], {
    refreshOnShow: true,
  });

  useEffect(() => {
    if (residentId && name) void Taro.setNavigationBarTitle({ title: `${name}的需求` });
  }, [residentId, name]);

  usePullDownRefresh(() => {
    void orders.reload().finally(() => Taro.stopPullDownRefresh());
  });
  // the status changes on other people's phones: the live connection says when (polling only while it is down)
  useLiveReload(() => void orders.reload());

  const items = orders.data?.items ?? [];

  return (
    <AppPage className='my-orders'>
      <PageState
        loading={orders.loading}
        error={orders.error}
        onRetry={() => void orders.reload()}
        empty={orders.data ? items.length === 0 : undefined}
        emptyText={residentId ? `${name || '家人'}还没有需求` : '您还没有提交过需求'}
        emptyAction={
          <Button type='primary' size='large' onClick={() => void Taro.navigateBack()}>
            去求助
          </Button>
        }
      >
        <View className='my-orders__list'>
          {items.map((o) => (
            <View key={o.id} className='my-orders__item' onClick={() => void Taro.navigateTo({ url: `/pages/resident/order/index?id=${o.id}` })}>
              <View className='my-orders__line'>
                <Text className='my-orders__category'>{o.categoryName}</Text>
                <View>
                  <UrgencyTag urgency={o.urgency} />
                  <StatusTag status={o.status} />
                </View>
              </View>
              <Text className='my-orders__description'>{o.description}</Text>
              <View className='my-orders__line my-orders__meta'>
                <Text>{formatTime(o.createdAt)}</Text>
                {o.assignees.length > 0 && <Text>{o.assignees.map((a) => a.name).join('、')}</Text>}
              </View>
            </View>
          ))}
        </View>
        <LoadMore list={orders} className='my-orders__more' />
      </PageState>
    </AppPage>
  );
}
