import Taro from '@tarojs/taro';
import { Text } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import type { OrderDto } from '@bangbang/shared';
import { DetailCard, DetailRow, showError, useLoader } from '../../../components';
import { Section } from '../../../components/staff-page';
import { getRegion, listProjects } from '../../../services/endpoints';
import { useCurrentUser } from '../../../services/session';

/**
 * 转为项目 on the staff's order page: the project this demand became (a link), or — for an open demand and a
 * community organiser (dispatcher, admin) — the button that opens the project form with the demand attached.
 */
export function ProjectLink({ order }: { order: OrderDto }) {
  const me = useCurrentUser();
  const organiser = me?.roles.some((r) => r === 'admin' || r === 'dispatcher') === true;
  const linked = useLoader(async () => (await listProjects({ orderId: order.id, limit: 1 })).items[0], [order.id, order.status]);
  const project = linked.data;
  const open = order.status === 'pending' || order.status === 'dispatched' || order.status === 'accepted';

  const convert = async () => {
    try {
      const place = await getRegion(order.regionId);
      const community = place.level === 'grid' && place.parentId ? await getRegion(place.parentId) : place;
      const q = `regionId=${community.id}&regionName=${encodeURIComponent(community.name)}&orderId=${order.id}&orderText=${encodeURIComponent(`${order.categoryName}：${order.description}`)}`;
      void Taro.navigateTo({ url: `/pages/manage/project/index?${q}` });
    } catch (error) {
      showError(error);
    }
  };

  if (project) {
    return (
      <DetailCard>
        <DetailRow className='dispatch-order__project' label='已转为项目'>
          <Text onClick={() => void Taro.navigateTo({ url: `/pages/manage/project/index?id=${project.id}` })}>{`${project.title}（查看）`}</Text>
        </DetailRow>
      </DetailCard>
    );
  }
  if (!open || !organiser || linked.loading) return null;
  return (
    <Section>
      <Button className='dispatch-order__to-project' block fill='outline' onClick={() => void convert()}>
        转为项目（需要社区统一解决的，如路灯、多户的共同需求）
      </Button>
    </Section>
  );
}
