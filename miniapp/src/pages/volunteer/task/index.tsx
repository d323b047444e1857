import { useState } from 'react';
import Taro, { usePullDownRefresh, useRouter } from '@tarojs/taro';
import { View } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import { ORDER_CHANNEL_NAMES, type OrderDto, type OrderEventDto } from '@bangbang/shared';
import {
  AddPhotoTile,
  choosePhotos,
  DetailCard,
  DetailRow,
  OrderActions,
  OrderHeader,
  OrderTimeline,
  PageState,
  PhotoRow,
  PhotoTile,
  firstLoad,
  PreferredTimeRow,
  showError,
  showSuccess,
  useLiveReload,
  useLoader,
} from '../../../components';
import { Hint, Section, SectionTitle, StaffPage } from '../../../components/staff-page';
import { FormLabel, FormTextArea, StaffForm } from '../../../components/staff-form';
import { assetUrl } from '../../../services/api';
import { completeOrder, getOrder, getOrderEvents, uploadPhoto } from '../../../services/endpoints';
import { formatDistance, formatMinutes, formatTime, myStatus } from '../../../services/labels';
import { useCurrentUser } from '../../../services/session';
import './index.css';

/** What the server allows on a completion (CompleteOrderDto: at most 9 photos). */
const MAX_PHOTOS = 9;

interface Photo {
  /** The file on the phone, shown while the server keeps its own copy. */
  local: string;
  url: string;
}

interface TaskView {
  order: OrderDto;
  events: OrderEventDto[];
}

async function loadTask(id: string): Promise<TaskView> {
  const [order, { items }] = await Promise.all([getOrder(id), getOrderEvents(id)]);
  return { order, events: items };
}

/**
 * One task (任务详情) for the volunteer: what, where, for whom; the buttons the state machine allows this person
 * (接单 / 拒绝派单 / 退单 / 到达签到 / 完成服务); once they hold the order, the resident's phone and address
 * (unmasked by the server only then) with 「拨打电话」 and 「导航」; completion with a note and photos.
 */
export default function VolunteerTask() {
  const id = useRouter().params.id ?? '';
  const me = useCurrentUser();
  const task = useLoader(() => loadTask(id), [id], { refreshOnShow: true });
  const [completing, setCompleting] = useState(false);
  const [note, setNote] = useState('');
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [uploading, setUploading] = useState(false);
  const [submitting, setSubmitting] = useState(false);

  usePullDownRefresh(() => {
    void task.reload().finally(() => Taro.stopPullDownRefresh());
  });
  // taken by someone else, cancelled by staff, confirmed by the resident: shown as it happens
  useLiveReload(() => void task.reload(), { orderId: id });

  const changed = (order: OrderDto) => {
    if (task.data) task.setData({ ...task.data, order });
    // the timeline has a new line: read it again
    void task.reload();
  };

  const call = (phone: string) => {
    Taro.makePhoneCall({ phoneNumber: phone }).catch(() => {
      void Taro.showModal({ title: '拨打电话', content: `请拨打 ${phone}`, showCancel: false, confirmText: '知道了' });
    });
  };

  const navigate = (order: OrderDto) => {
    const loc = order.location;
    if (loc === null) return;
    Taro.openLocation({ latitude: loc.lat, longitude: loc.lng, name: order.resident.name, address: order.address ?? '', scale: 17 }).catch(() => {
      // a browser outside WeChat has no map to open: give the place in words and the coordinates to paste
      const coords = `${loc.lat.toFixed(6)},${loc.lng.toFixed(6)}`;
      void Taro.setClipboardData({ data: coords }).catch(() => undefined);
      void Taro.showModal({
        title: '导航',
        content: `${order.address ?? ''}\n坐标 ${coords}（已复制，可粘贴到地图应用中搜索）`,
        showCancel: false,
        confirmText: '知道了',
      });
    });
  };

  const addPhotos = async () => {
    const paths = await choosePhotos(MAX_PHOTOS - photos.length);
    if (paths.length === 0) return;
    setUploading(true);
    try {
      for (const local of paths) {
        const { url } = await uploadPhoto(local);
        setPhotos((now) => [...now, { local, url }]);
      }
    } catch (error) {
      showError(error);
    } finally {
      setUploading(false);
    }
  };

  const submitCompletion = async () => {
    const said = note.trim();
    if (said === '') {
      void Taro.showToast({ title: '请简要说明服务内容', icon: 'none' });
      return;
    }
    setSubmitting(true);
    try {
      const order = await completeOrder(
        id,
        said,
        photos.map((p) => p.url),
      );
      setCompleting(false);
      setNote('');
      setPhotos([]);
      showSuccess('服务已完成');
      changed(order);
    } catch (error) {
      showError(error);
    } finally {
      setSubmitting(false);
    }
  };

  const order = task.data?.order;
  const mine = order?.assignees.find((a) => a.userId === me?.id);

  return (
    <StaffPage className='volunteer-task'>
      <PageState {...firstLoad(task)}>
        {order && (
          <View>
            <OrderHeader order={order} status={myStatus(order, me?.id)}>
              <PreferredTimeRow order={order} />
              {order.headcount > 1 && (
                <DetailRow label='人数'>
                  需 {order.headcount} 人，已有 {order.acceptedCount} 人
                </DetailRow>
              )}
              <DetailRow label='下单' className='elder-hide'>
                {formatTime(order.createdAt)} · {ORDER_CHANNEL_NAMES[order.channel]}
              </DetailRow>
              {order.resident.phoneMasked || order.addressMasked ? (
                <Hint>接单后可查看居民的电话和详细地址。</Hint>
              ) : (
                <View className='volunteer-task__buttons'>
                  {order.resident.phone && (
                    <Button className='volunteer-task__call' type='primary' color='#15803d' size='large' onClick={() => call(order.resident.phone!)}>
                      拨打电话
                    </Button>
                  )}
                  {order.location && (
                    <Button className='volunteer-task__navigate' type='primary' color='#1d4ed8' size='large' onClick={() => navigate(order)}>
                      导航
                    </Button>
                  )}
                </View>
              )}
            </OrderHeader>

            {mine && (
              <DetailCard>
                <DetailRow label='接单时间'>{formatTime(mine.acceptedAt)}</DetailRow>
                {mine.checkedInAt && (
                  <DetailRow label='签到'>
                    {formatTime(mine.checkedInAt)}
                    {/* no location is flagged for staff like a far one, but it is not "far": say what it is */}
                    {mine.checkInDistanceMeters !== null
                      ? ` · 距居民 ${formatDistance(mine.checkInDistanceMeters)}${mine.checkInFar ? '（距离较远，已记录）' : ''}`
                      : ' · 未获取到位置（已记录）'}
                  </DetailRow>
                )}
                {mine.completedAt && (
                  <DetailRow label='完成'>
                    {formatTime(mine.completedAt)}
                    {mine.serviceMinutes !== null ? ` · 服务 ${formatMinutes(mine.serviceMinutes)}` : ''}
                  </DetailRow>
                )}
                {mine.note && <DetailRow label='服务说明'>{mine.note}</DetailRow>}
                {mine.photoUrls.length > 0 && (
                  <PhotoRow>
                    {mine.photoUrls.map((url) => (
                      <PhotoTile key={url} src={assetUrl(url)} />
                    ))}
                  </PhotoRow>
                )}
              </DetailCard>
            )}

            {completing ? (
              <StaffForm className='volunteer-task__complete-form'>
                <FormLabel>服务内容</FormLabel>
                <FormTextArea
                  className='volunteer-task__note'
                  value={note}
                  maxLength={500}
                  showCount
                  placeholder='例如：已送药上门，叮嘱按时服用'
                  onChange={setNote}
                />
                <FormLabel>现场照片（可选，最多 {MAX_PHOTOS} 张）</FormLabel>
                <PhotoRow>
                  {photos.map((p) => (
                    <PhotoTile key={p.url} src={p.local} onRemove={() => setPhotos((now) => now.filter((x) => x.url !== p.url))} />
                  ))}
                  {photos.length < MAX_PHOTOS && <AddPhotoTile className='volunteer-task__add-photo' busy={uploading} onAdd={() => void addPhotos()} />}
                </PhotoRow>
                <Button
                  className='volunteer-task__submit'
                  type='primary'
                  size='large'
                  block
                  loading={submitting}
                  disabled={submitting || uploading}
                  onClick={() => void submitCompletion()}
                >
                  提交完成
                </Button>
                <Button size='large' block disabled={submitting} onClick={() => setCompleting(false)}>
                  返回
                </Button>
              </StaffForm>
            ) : (
              <OrderActions
                order={order}
                only={['accept', 'check_in', 'complete', 'reject', 'release', 'cancel']}
                handlers={{ complete: () => setCompleting(true) }}
                onChanged={changed}
                onFailed={() => void task.reload()}
              />
            )}

            <SectionTitle>进度</SectionTitle>
            <Section>
              <OrderTimeline events={task.data?.events ?? []} />
            </Section>
          </View>
        )}
      </PageState>
    </StaffPage>
  );
}
