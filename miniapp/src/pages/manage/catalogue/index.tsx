import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import { SERVICE_KIND_NAMES, TEAM_COLOR_NAMES } from '@bangbang/shared';
import { PageState, ServiceIcon, firstLoad, useLoader } from '../../../components';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { listAllServiceCategories } from '../../../services/endpoints';
import { TEAM_COLOR_HEX } from '../../../services/labels';
import './index.css';

/**
 * 服务目录 (服务清单, admins): every service, the stopped ones too (their old orders keep their name) — its team
 * colour, who may take it (人人可接 / 需要专长), how long an order may wait for someone to accept it before it goes up a
 * level (普通 / 紧急). A row opens its form; 新增服务 an empty one. A table on a desktop, cards on a phone.
 */
export default function Catalogue() {
  const list = useLoader(() => listAllServiceCategories(), [], { refreshOnShow: true });
  const items = list.data?.items ?? [];
  const open = (code?: string) => void Taro.navigateTo({ url: `/pages/manage/service/index${code ? `?code=${code}` : ''}` });
  return (
    <StaffPage className='manage-catalogue'>
      <SectionTitle>服务目录</SectionTitle>
      <Hint>接单时限：需求在本级等待这么久无人接单，就升级到上一级（网格 → 社区 → 乡镇 → 旗县）。停用的服务不再出现在居民首页。</Hint>
      <View className='manage-catalogue__actions'>
        <Button className='manage-catalogue__new' type='primary' onClick={() => open()}>
          + 新增服务
        </Button>
      </View>
      <PageState {...firstLoad(list)} empty={list.data !== undefined && items.length === 0} emptyText='还没有服务'>
        <View className='manage-catalogue__table'>
          <View className='manage-catalogue__row manage-catalogue__row--head'>
            <Text className='manage-catalogue__cell manage-catalogue__cell--name'>服务</Text>
            <Text className='manage-catalogue__cell'>帮帮团</Text>
            <Text className='manage-catalogue__cell'>谁可以接</Text>
            <Text className='manage-catalogue__cell'>接单时限（普通 / 紧急）</Text>
            <Text className='manage-catalogue__cell'>状态</Text>
          </View>
          {items.map((c) => (
            <View
              key={c.code}
              className={`manage-catalogue__row manage-catalogue__item manage-catalogue__item--${c.code} ${c.active ? '' : 'manage-catalogue__row--off'}`}
              onClick={() => open(c.code)}
            >
              <View className='manage-catalogue__cell manage-catalogue__cell--name'>
                <View className='manage-catalogue__icon' style={{ backgroundColor: TEAM_COLOR_HEX[c.color] }}>
                  <ServiceIcon icon={c.icon} size={18} />
                </View>
                <Text className='manage-catalogue__name'>{c.name}</Text>
              </View>
              <Text className='manage-catalogue__cell manage-catalogue__team'>{TEAM_COLOR_NAMES[c.color]}</Text>
              <Text className='manage-catalogue__cell'>
                {SERVICE_KIND_NAMES[c.kind]}
                {c.multiPerson ? ' · 可多人' : ''}
              </Text>
              <Text className='manage-catalogue__cell'>
                {c.acceptMinutesNormal} / {c.acceptMinutesUrgent} 分钟
              </Text>
              <Text className={`manage-catalogue__cell manage-catalogue__state ${c.active ? '' : 'manage-catalogue__state--off'}`}>
                {c.active ? '启用' : '已停用'}
              </Text>
            </View>
          ))}
        </View>
      </PageState>
    </StaffPage>
  );
}
