import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { Image, Text, View } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import type { ShopItemDto } from '@bangbang/shared';
import { PageState, firstLoad, showError, useLoader } from '../../../components';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { assetUrl } from '../../../services/api';
import { getMyPoints, getShop, redeemItem } from '../../../services/endpoints';
import '../points.css';

/**
 * 积分超市: the items on the shelf of my community, with my balance. 兑换 asks once, then takes the points and one
 * of the stock at the server (which refuses with 「积分不足：需要 … 分，您有 … 分」 or 「库存不足」 in a dialog); the
 * item is collected at the community, where staff confirm the handover (核销).
 */
export default function Shop() {
  const shop = useLoader(() => getShop(), [], { refreshOnShow: true });
  const points = useLoader(() => getMyPoints(), [], { refreshOnShow: true });
  usePullDownRefresh(() => {
    void Promise.all([shop.reload(), points.reload()]).finally(() => Taro.stopPullDownRefresh());
  });

  const redeem = async (item: ShopItemDto) => {
    const { confirm } = await Taro.showModal({
      title: '兑换',
      content: `用 ${item.price} 积分兑换「${item.name}」？兑换后请到${item.communityName}领取。`,
      confirmText: '兑换',
      cancelText: '再想想',
    });
    if (!confirm) return;
    try {
      await redeemItem(item.id);
      await Taro.showModal({
        title: '兑换成功',
        content: `请到${item.communityName}领取「${item.name}」，工作人员核销后即完成。`,
        showCancel: false,
        confirmText: '知道了',
      });
    } catch (error) {
      showError(error);
    }
    await Promise.all([shop.reload(), points.reload()]);
  };

  const balance = points.data?.balance;
  const items = shop.data?.items ?? [];
  return (
    <StaffPage className='points-shop'>
      <PageState {...firstLoad(shop)}>
        {shop.data && (
          <View>
            <SectionTitle>{shop.data.community.name} · 积分超市</SectionTitle>
            <Hint className='points-shop__balance'>{balance === undefined ? '' : `我的积分：${balance} 分`}</Hint>
            {items.length === 0 ? (
              <Hint>社区还没有上架商品。</Hint>
            ) : (
              items.map((item) => (
                <View key={item.id} className='points-card points-item'>
                  {item.pictureUrl !== null && (
                    <Image
                      className='points-item__picture'
                      src={assetUrl(item.pictureUrl)}
                      mode='aspectFill'
                      style={{ width: '96px', height: '96px', marginRight: '16px' }}
                    />
                  )}
                  <View className='points-card__main'>
                    <Text className='points-card__title points-item__name'>{item.name}</Text>
                    <Text className='points-card__sub'>
                      <Text className='points-card__amount'>{item.price}</Text> 分 · 剩 {item.stock} 件
                    </Text>
                  </View>
                  <Button className='points-item__redeem' type='primary' size='small' disabled={item.stock === 0} onClick={() => void redeem(item)}>
                    {item.stock === 0 ? '已兑完' : '兑换'}
                  </Button>
                </View>
              ))
            )}
            <Button className='points-shop__mine' block onClick={() => void Taro.navigateTo({ url: '/pages/points/index/index' })}>
              我的积分与兑换
            </Button>
          </View>
        )}
      </PageState>
    </StaffPage>
  );
}
