import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import type { Role } from '@bangbang/shared';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { ROLE_NAMES } from '../../../services/roles';
import { useCurrentUser } from '../../../services/session';
import './index.css';

interface Tile {
  key: string;
  title: string;
  what: string;
  url: (regionId: string | null) => string;
  /** Who may use the screen behind it (the server checks again; a tile nobody may use is not shown). */
  roles: readonly Role[];
}

const STAFF: readonly Role[] = ['grid_worker', 'dispatcher', 'admin'];

/**
 * What staff set up, one tile per screen. Places and the catalogue are the admins' (旗县区管理员 set up the tree and
 * the 服务清单); the dispatch mode is also the community's and the street's (调度员); the ledgers, people, squads and
 * rosters every staff member keeps for their own area.
 */
const TILES: readonly Tile[] = [
  { key: 'places', title: '地区与网格', what: '新增、改名、中心点、网格调整', url: () => '/pages/manage/places/index', roles: ['admin', 'dispatcher'] },
  { key: 'catalogue', title: '服务目录', what: '服务项目、接单时限、启用停用', url: () => '/pages/manage/catalogue/index', roles: ['admin'] },
  {
    key: 'mode',
    title: '派单方式',
    what: '人工、自动、先抢单后派单',
    url: (regionId) => `/pages/manage/places/index${regionId ? `?id=${regionId}` : ''}`,
    roles: ['admin', 'dispatcher'],
  },
  { key: 'people', title: '人员', what: '居民、志愿者、网格员', url: () => '/pages/manage/people/index', roles: STAFF },
  { key: 'squads', title: '小分队', what: '组建小分队、成员', url: () => '/pages/manage/squads/index', roles: STAFF },
  { key: 'rosters', title: '排班值班', what: '值班表、在岗情况', url: () => '/pages/manage/rosters/index', roles: STAFF },
  { key: 'import', title: '导入台账', what: '从 Excel 导入居民、志愿者', url: () => '/pages/manage/import/index', roles: STAFF },
  { key: 'export', title: '导出台账', what: '服务台账、志愿时长、统计', url: () => '/pages/manage/export/index', roles: STAFF },
  { key: 'visit-plans', title: '走访计划', what: '台账户走访频次、覆盖率', url: () => '/pages/manage/visit-plans/index', roles: STAFF },
  { key: 'stats', title: '统计', what: '按地区、按时段', url: () => '/pages/dispatch/stats/index', roles: STAFF },
  { key: 'projects', title: '三张清单', what: '需求、资源、项目清单；发布项目', url: () => '/pages/manage/projects/index', roles: STAFF },
  { key: 'redemptions', title: '兑换核销', what: '积分兑换：交付、取消', url: () => '/pages/manage/redemptions/index', roles: ['admin', 'dispatcher'] },
  { key: 'shop-items', title: '积分超市', what: '商品、积分、库存、上下架', url: () => '/pages/manage/shop-items/index', roles: ['admin', 'dispatcher'] },
  { key: 'points-rules', title: '积分规则', what: '基础分、每小时、好评奖励', url: () => '/pages/manage/points-rules/index', roles: STAFF },
];

/** 管理: the staff's setting-up screens, reached from 我的 and from the board. */
export default function ManageHub() {
  const me = useCurrentUser();
  const roles = me?.roles ?? [];
  const tiles = TILES.filter((t) => t.roles.some((r) => roles.includes(r)));
  const staffRoles = roles.filter((r) => STAFF.includes(r));
  return (
    <StaffPage className='manage-hub'>
      <SectionTitle>管理</SectionTitle>
      <Hint>
        {me?.name ?? ''}
        {staffRoles.length > 0 ? ` · ${staffRoles.map((r) => ROLE_NAMES[r]).join('、')}` : ''}
      </Hint>
      {tiles.length === 0 ? (
        <Hint>管理功能只对网格员、调度员和管理员开放。</Hint>
      ) : (
        <View className='manage-hub__tiles'>
          {tiles.map((t) => (
            <View
              key={t.key}
              className={`manage-hub__tile manage-hub__tile--${t.key}`}
              onClick={() => void Taro.navigateTo({ url: t.url(me?.regionId ?? null) })}
            >
              <Text className='manage-hub__title'>{t.title}</Text>
              <Text className='manage-hub__what'>{t.what}</Text>
            </View>
          ))}
        </View>
      )}
    </StaffPage>
  );
}
