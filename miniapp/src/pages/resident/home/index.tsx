import { useState } from 'react';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import { isFinal, type OrderDto, type ServiceCategoryDto } from '@bangbang/shared';
import { AppPage, MeEntry, PageState, ServiceIcon, StatusTag, useLiveReload, useLoader } from '../../../components';
import { listOrders, listServiceCategories } from '../../../services/endpoints';
import { TEAM_COLOR_HEX } from '../../../services/labels';
import { useCurrentUser, useElderMode } from '../../../services/session';
import './index.css';

/** In the elder-friendly mode the home shows this many services first (fewer choices), the rest one tap away. */
const ELDER_TILES = 6;

interface Home {
  categories: ServiceCategoryDto[];
  /** My orders still being handled, newest first (the server lists newest first). */
  active: OrderDto[];
}

async function loadHome(): Promise<Home> {
  const [catalogue, orders] = await Promise.all([listServiceCategories(), listOrders({ limit: 20 })]);
  return {
    categories: catalogue.items.filter((c) => c.active).sort((a, b) => a.sortOrder - b.sortOrder),
    active: orders.items.filter((o) => !isFinal(o.status)),
  };
}

/** 居民首页: big service tiles in the colour of the team that serves them; one tap starts an order (点单). */
export default function ResidentHome() {
  const user = useCurrentUser();
  const [elder] = useElderMode();
  const [showAll, setShowAll] = useState(false);
  const home = useLoader(loadHome, [], { refreshOnShow: true });

  usePullDownRefresh(() => {
    void home.reload().finally(() => Taro.stopPullDownRefresh());
  });
  // the card of my latest order follows its status (已接单, 服务中…) as it changes
  useLiveReload(() => void home.reload());

  const order = (c: ServiceCategoryDto) => void Taro.navigateTo({ url: `/pages/resident/order-new/index?code=${c.code}` });
  const categories = home.data?.categories ?? [];
  const tiles = elder && !showAll ? categories.slice(0, ELDER_TILES) : categories;
  const latest = home.data?.active[0];

  return (
    <AppPage className='resident-home'>
      <View className='resident-home__head'>
        <View className='resident-home__greeting'>
          <Text className='resident-home__hello'>{user ? `${user.name}，您好` : '您好'}</Text>
          <Text className='resident-home__ask'>需要什么帮助？点一下就行</Text>
        </View>
        <MeEntry className='resident-home__me' />
      </View>

      <PageState
        loading={home.loading}
        error={home.error}
        onRetry={() => void home.reload()}
        empty={home.data ? categories.length === 0 : undefined}
        emptyText='暂时没有可以预约的服务'
      >
        {latest && (
          <View className='resident-home__active' onClick={() => void Taro.navigateTo({ url: `/pages/resident/order/index?id=${latest.id}` })}>
            <View className='resident-home__active-line'>
              <Text className='resident-home__active-title'>{latest.categoryName}</Text>
              <StatusTag status={latest.status} />
            </View>
            <Text className='resident-home__active-hint'>
              {home.data!.active.length > 1
                ? `您有 ${home.data!.active.length} 个需求正在办理，点此查看最新一个`
                : latest.resident.id !== user?.id
                  ? `家人${latest.resident.name}的需求正在办理，点此查看进度`
                  : '您的需求正在办理，点此查看进度'}
            </Text>
          </View>
        )}

        <View className={`resident-home__tiles ${elder ? 'resident-home__tiles--elder' : ''}`}>
          {tiles.map((c) => (
            <View key={c.code} className='resident-home__tile' style={{ backgroundColor: TEAM_COLOR_HEX[c.color] }} onClick={() => order(c)}>
              <ServiceIcon icon={c.icon} size={elder ? 44 : 34} />
              <Text className='resident-home__tile-name'>{c.name}</Text>
            </View>
          ))}
        </View>
        {elder && categories.length > ELDER_TILES && (
          <View className='resident-home__more'>
            <Button size='large' block fill='outline' onClick={() => setShowAll(!showAll)}>
              {showAll ? '收起' : `更多服务（共 ${categories.length} 项）`}
            </Button>
          </View>
        )}

        <View className='resident-home__orders'>
          <Button type='primary' size='large' block onClick={() => void Taro.navigateTo({ url: '/pages/resident/orders/index' })}>
            我的需求
          </Button>
        </View>
      </PageState>
    </AppPage>
  );
}
