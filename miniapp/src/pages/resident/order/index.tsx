import Taro, { usePullDownRefresh, useRouter } from '@tarojs/taro';
import { Image, Text, View } from '@tarojs/components';
import { Cell, Rate } from '@nutui/nutui-react-taro';
import { shortOfPeople, type OrderDto, type OrderEventDto } from '@bangbang/shared';
import { AppPage, OrderActions, OrderTimeline, PageState, StatusTag, UrgencyTag, useLiveReload, useLoader } from '../../../components';
import { assetUrl } from '../../../services/api';
import { getOrder, getOrderEvents } from '../../../services/endpoints';
import { formatTime } from '../../../services/labels';
import './index.css';

interface Detail {
  order: OrderDto;
  events: OrderEventDto[];
}

/** What the resident is told about where their order is, in a sentence. */
function progressLine(o: OrderDto): string {
  const names = o.assignees
    .filter((a) => a.state !== 'released' && a.state !== 'cancelled')
    .map((a) => a.name)
    .join('、');
  switch (o.status) {
    case 'pending':
      return o.headcount > 1 && o.acceptedCount > 0
        ? `已有 ${o.acceptedCount} 人接单，还需要 ${o.headcount - o.acceptedCount} 人`
        : '正在为您安排志愿者，请稍等';
    case 'dispatched':
      return '已为您派单，等待志愿者确认';
    case 'accepted':
      return `${names || '志愿者'}已接单，会尽快上门`;
    case 'in_service':
      return shortOfPeople(o.status, o.acceptedCount, o.headcount)
        ? `${names || '志愿者'}正在为您服务，还在找 ${o.headcount - o.acceptedCount} 人补位`
        : `${names || '志愿者'}正在为您服务`;
    case 'completed':
      return '服务已完成，请您确认并评价';
    case 'closed':
      return '服务已完成，感谢您的评价';
    case 'cancelled':
      return o.cancelReason ? `已取消：${o.cancelReason}` : '已取消';
  }
}

function timeRange(o: OrderDto): string {
  if (!o.preferredStart) return '尽快';
  return o.preferredEnd ? `${formatTime(o.preferredStart)} – ${formatTime(o.preferredEnd).slice(-5)}` : formatTime(o.preferredStart);
}

/** One order of mine: where it is, who is coming, the timeline, and what I can do now (取消 / 确认并评价 / 没解决). */
export default function ResidentOrder() {
  const { params } = useRouter();
  const id = params.id ?? '';
  const detail = useLoader<Detail>(
    async () => {
      const [order, events] = await Promise.all([getOrder(id), getOrderEvents(id)]);
      return { order, events: events.items };
    },
    [id],
    { refreshOnShow: true },
  );

  usePullDownRefresh(() => {
    void detail.reload().finally(() => Taro.stopPullDownRefresh());
  });
  // accepted, checked in, completed on the volunteer's phone: shown here as it happens
  useLiveReload(() => void detail.reload(), { orderId: id });

  const o = detail.data?.order;
  const done = o?.assignees.filter((a) => a.completedAt !== null) ?? [];

  return (
    <AppPage className='resident-order'>
      <PageState loading={detail.loading} error={detail.error} onRetry={() => void detail.reload()}>
        {o && (
          <>
            <View className='resident-order__head'>
              <View className='resident-order__line'>
                <Text className='resident-order__category'>{o.categoryName}</Text>
                <View>
                  <UrgencyTag urgency={o.urgency} />
                  <StatusTag status={o.status} />
                </View>
              </View>
              <Text className='resident-order__progress'>{progressLine(o)}</Text>
              {o.urgeCount > 0 && ['pending', 'dispatched', 'accepted', 'in_service'].includes(o.status) && (
                <Text className='resident-order__urged'>已催办，工作人员会尽快安排</Text>
              )}
              {o.rating !== null && (
                <View className='resident-order__rating'>
                  <Text>我的评价</Text>
                  <Rate value={o.rating} readOnly />
                </View>
              )}
            </View>

            <OrderActions
              order={o}
              onChanged={(next) => {
                detail.setData({ ...detail.data!, order: next });
                // the timeline gained an event
                void detail.reload();
              }}
              onFailed={() => void detail.reload()}
            />

            <Cell.Group title='需求信息'>
              <Cell title='说明' description={o.description} />
              <Cell title='地址' description={o.address ?? '未填写'} />
              <Cell title='时间' description={timeRange(o)} />
              <Cell title='提交' description={`${formatTime(o.createdAt)}${o.requesterId !== o.resident.id ? '（网格员代下单）' : ''}`} />
              {o.headcount > 1 && <Cell title='人数' description={`需要 ${o.headcount} 人，已有 ${o.acceptedCount} 人`} />}
            </Cell.Group>

            {done.length > 0 && (
              <Cell.Group title='服务记录'>
                {done.map((a) => (
                  <Cell
                    key={a.userId}
                    title={a.name}
                    extra={a.serviceMinutes !== null ? `服务 ${a.serviceMinutes} 分钟` : ''}
                    description={
                      <View>
                        {a.note && <Text>{a.note}</Text>}
                        {a.photoUrls.length > 0 && (
                          <View className='resident-order__photos'>
                            {a.photoUrls.map((url) => (
                              <Image
                                key={url}
                                className='resident-order__photo'
                                src={assetUrl(url)}
                                mode='aspectFill'
                                onClick={() => void Taro.previewImage({ urls: a.photoUrls.map(assetUrl), current: assetUrl(url) })}
                              />
                            ))}
                          </View>
                        )}
                      </View>
                    }
                  />
                ))}
              </Cell.Group>
            )}

            <View className='resident-order__timeline-title'>
              <Text>办理进度</Text>
            </View>
            <View className='resident-order__timeline'>
              <OrderTimeline events={detail.data!.events} plain />
            </View>
          </>
        )}
      </PageState>
    </AppPage>
  );
}
