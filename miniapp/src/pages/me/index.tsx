import { useState } from 'react';
import Taro, { useDidShow } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Cell, Switch, Tag } from '@nutui/nutui-react-taro';
import { FAMILY_RELATION_NAMES, LEDGER_TAG_NAMES, type FollowedResidentDto, type Role } from '@bangbang/shared';
import { AppPage, showError } from '../../components';
import { UnreadBadge } from '../../components/unread-badge';
import { listNotifications, myFamily } from '../../services/endpoints';
import { live } from '../../services/live';
import { ROLE_NAMES } from '../../services/roles';
import { currentRole, goHome, logout, logoutEverywhere, refreshMe, switchRole, useCurrentUser, useElderMode } from '../../services/session';
import './index.css';

/**
 * 「我的」: who I am, the role I act in (switching for people with several), my profile (编辑个人资料, 我要当志愿者),
 * the staff's approvals (审核申请), the elder-friendly mode, logout (this login, ended on the server too) and logout on
 * every device.
 */
export default function Me() {
  const user = useCurrentUser();
  const [elder, setElder] = useElderMode();
  const [role, setRole] = useState<Role>(currentRole);
  // 我的家人: the residents whose family contact I am (a daughter following her mother's orders)
  const [family, setFamily] = useState<FollowedResidentDto[]>([]);

  // roles and address change on the server (a grid worker registers someone as a volunteer): read them again
  useDidShow(() => {
    refreshMe().then(
      () => setRole(currentRole()),
      (error: unknown) => showError(error),
    );
    myFamily().then(
      (answer) => setFamily(answer.items),
      (error: unknown) => showError(error),
    );
    // the badge's count from the inbox itself (right even while the live connection is down); quietly: the rest of
    // the page does not depend on it
    listNotifications({ limit: '1' }).then(
      (page) => live.setUnread(page.unread),
      () => undefined,
    );
  });

  const roles = user?.roles ?? [];

  const confirmLogout = async () => {
    const { confirm } = await Taro.showModal({ title: '退出登录', content: '确定退出登录吗？', confirmText: '退出', cancelText: '取消' });
    if (confirm) await logout();
  };

  const confirmLogoutEverywhere = async () => {
    const { confirm } = await Taro.showModal({
      title: '退出所有设备',
      content: '所有手机上的登录都会失效（手机丢失或借给别人用过时使用）。确定吗？',
      confirmText: '全部退出',
      cancelText: '取消',
    });
    if (!confirm) return;
    try {
      await logoutEverywhere();
    } catch (error) {
      showError(error);
    }
  };

  return (
    <AppPage className='me'>
      <View className='me__head'>
        <Text className='me__name'>{user?.name ?? ''}</Text>
        {user?.phone && <Text className='me__phone'>{user.phone}</Text>}
        {user && user.tags.length > 0 && (
          <View className='me__tags'>
            {user.tags.map((t) => (
              <Tag key={t} className='me__tag' background='rgba(255,255,255,0.2)' color='#ffffff'>
                {LEDGER_TAG_NAMES[t]}
              </Tag>
            ))}
          </View>
        )}
      </View>

      <Cell.Group title={roles.length > 1 ? '我的身份（点击切换）' : '我的身份'}>
        {roles.map((r) => (
          <Cell
            key={r}
            className={`me__role me__role--${r}`}
            title={ROLE_NAMES[r]}
            clickable={r !== role}
            extra={r === role ? <Tag type='primary'>当前</Tag> : <Text className='me__switch'>切换</Text>}
            onClick={() => {
              if (r !== role) switchRole(r);
            }}
          />
        ))}
      </Cell.Group>

      <Cell.Group title='消息'>
        <Cell
          className='me__inbox'
          title='消息中心'
          description='需求和任务的每一条进展'
          clickable
          extra={<UnreadBadge className='me__badge' />}
          onClick={() => void Taro.navigateTo({ url: '/pages/profile/inbox/index' })}
        />
        <Cell
          className='me__notify-settings'
          title='消息设置'
          description='用什么方式提醒我：小程序、微信、短信'
          clickable
          onClick={() => void Taro.navigateTo({ url: '/pages/profile/notifications/index' })}
        />
      </Cell.Group>

      {roles.some((r) => r === 'volunteer' || r === 'grid_worker') && (
        <Cell.Group title='积分'>
          <Cell
            className='me__points'
            title='我的积分'
            description='积分明细、积分超市兑换、爱心榜'
            clickable
            onClick={() => void Taro.navigateTo({ url: '/pages/points/index/index' })}
          />
        </Cell.Group>
      )}

      <Cell.Group title='个人资料'>
        <Cell
          className='me__edit'
          title='编辑个人资料'
          description='姓名、住址、位置；搬家了可申请迁移网格'
          clickable
          onClick={() => void Taro.navigateTo({ url: '/pages/profile/edit/index' })}
        />
        {!roles.includes('volunteer') && (
          <Cell
            className='me__volunteer'
            title='我要当志愿者'
            description='选择能做的服务和有空的时间，网格员审核后即可接单'
            clickable
            onClick={() => void Taro.navigateTo({ url: '/pages/profile/volunteer/index' })}
          />
        )}
        <Cell
          className='me__projects'
          title='社区项目 · 双报到'
          description='在职党员到居住的社区报到，认领社区的项目'
          clickable
          onClick={() => void Taro.navigateTo({ url: '/pages/projects/index/index' })}
        />
      </Cell.Group>

      {roles.some((r) => r !== 'resident') && (
        <Cell.Group title='走访'>
          <Cell
            className='me__visits'
            title='我的走访'
            description='包联和网格内台账户的走访：签到、记录、发现需求代下单'
            clickable
            onClick={() => void Taro.navigateTo({ url: '/pages/visits/index/index' })}
          />
        </Cell.Group>
      )}

      {roles.some((r) => r === 'grid_worker' || r === 'dispatcher' || r === 'admin') && (
        <Cell.Group title='工作'>
          <Cell
            className='me__applications'
            title='审核申请'
            description='辖区居民的志愿者申请和迁移申请'
            clickable
            onClick={() => void Taro.navigateTo({ url: '/pages/dispatch/applications/index' })}
          />
          <Cell
            className='me__manage'
            title='管理'
            description='地区与网格、服务目录、人员、小分队、排班、台账'
            clickable
            onClick={() => void Taro.navigateTo({ url: '/pages/manage/index/index' })}
          />
        </Cell.Group>
      )}

      {family.length > 0 && (
        <Cell.Group title='我的家人（查看并确认家人的需求）'>
          {family.map((f) => (
            <Cell
              key={f.id}
              className='me__family'
              title={`${f.name}（我是${FAMILY_RELATION_NAMES[f.relation]}）`}
              description={[f.regionName, f.address].filter(Boolean).join(' · ')}
              clickable
              extra={<Text className='me__switch'>{f.toConfirm > 0 ? `${f.toConfirm} 个待确认` : f.openOrders > 0 ? `${f.openOrders} 个进行中` : '查看'}</Text>}
              onClick={() => void Taro.navigateTo({ url: `/pages/resident/orders/index?residentId=${f.id}&name=${encodeURIComponent(f.name)}` })}
            />
          ))}
        </Cell.Group>
      )}

      <Cell.Group title='显示'>
        <Cell
          className='me__elder'
          title='适老化模式'
          description='大字体、大按钮、高对比度'
          extra={<Switch checked={elder} onChange={(on) => setElder(on)} />}
        />
      </Cell.Group>

      {roles.includes('admin') && (
        <Cell.Group title='管理'>
          <Cell
            className='me__audit'
            title='审计记录'
            description='人员、角色、地区、小分队、服务清单、派单方式的修改，以及谁查看了谁的手机号和地址'
            clickable
            onClick={() => void Taro.navigateTo({ url: '/pages/dispatch/audit/index' })}
          />
        </Cell.Group>
      )}

      {user?.address && (
        <Cell.Group title='我的地址'>
          <Cell title={user.address} />
        </Cell.Group>
      )}

      <View className='me__buttons'>
        <Button type='primary' size='large' block onClick={goHome}>
          返回{ROLE_NAMES[role]}首页
        </Button>
        <Button type='danger' fill='outline' size='large' block onClick={() => void confirmLogout()}>
          退出登录
        </Button>
        <Button className='me__logout-all' fill='none' size='large' block onClick={() => void confirmLogoutEverywhere()}>
          退出所有设备
        </Button>
      </View>
    </AppPage>
  );
}
