import { useState } from 'react';
import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import { APPLICATION_KIND_NAMES, type ApplicationDto } from '@bangbang/shared';
import { LoadMore, PageState, firstLoad, showError, showSuccess, useLoader, usePagedLoader } from '../../../components';
import { Hint, StaffPage } from '../../../components/staff-page';
import { FormTextArea } from '../../../components/staff-form';
import { approveApplication, declineApplication, listApplications, listServiceCategories } from '../../../services/endpoints';
import { formatTime, slotsWords } from '../../../services/labels';
import './index.css';

/**
 * 审核申请: the volunteer applications (我要当志愿者) and move requests (迁移申请) of my jurisdiction that wait for a
 * decision, each with the person and what they ask; approve, or decline with a reason the person will read.
 */
export default function Applications() {
  const list = usePagedLoader((cursor) => listApplications({ status: 'pending', limit: 20, ...(cursor ? { cursor } : {}) }), [], { refreshOnShow: true });
  const categories = useLoader(listServiceCategories, []);
  const skillName = (code: string) => categories.data?.items.find((c) => c.code === code)?.name ?? code;
  const items = list.data?.items ?? [];

  const decided = (id: string) => {
    if (list.data) list.setData({ ...list.data, items: list.data.items.filter((a) => a.id !== id) });
  };

  return (
    <StaffPage className='applications'>
      <Hint>申请人所在网格在您管辖范围内的申请。批准后立即生效；不通过须写明原因，申请人会看到。</Hint>
      <PageState {...firstLoad(list)} empty={list.data !== undefined && items.length === 0} emptyText='没有待审核的申请'>
        {items.map((a) => (
          <ApplicationCard key={a.id} application={a} skillName={skillName} onDecided={() => decided(a.id)} />
        ))}
        <LoadMore list={list} />
      </PageState>
    </StaffPage>
  );
}

function ApplicationCard({
  application: a,
  skillName,
  onDecided,
}: {
  application: ApplicationDto;
  skillName: (code: string) => string;
  onDecided: () => void;
}) {
  const [declining, setDeclining] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);

  const approve = async () => {
    const { confirm } = await Taro.showModal({
      title: '批准申请',
      content:
        a.kind === 'volunteer'
          ? `批准后${a.applicant.name}将成为志愿者，可以接单。`
          : `批准后${a.applicant.name}的所在网格和地址将改为申请中的新网格和新地址。`,
      confirmText: '批准',
      cancelText: '取消',
    });
    if (!confirm) return;
    setBusy(true);
    try {
      await approveApplication(a.id);
      showSuccess('已批准');
      onDecided();
    } catch (error) {
      showError(error);
    } finally {
      setBusy(false);
    }
  };

  const decline = async () => {
    if (reason.trim() === '') {
      void Taro.showToast({ title: '请写明不通过的原因', icon: 'none' });
      return;
    }
    setBusy(true);
    try {
      await declineApplication(a.id, reason.trim());
      showSuccess('已处理');
      onDecided();
    } catch (error) {
      showError(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <View className='application-card'>
      <View className='application-card__head'>
        <Text className='application-card__name'>{a.applicant.name}</Text>
        <Text className={`application-card__kind application-card__kind--${a.kind}`}>{APPLICATION_KIND_NAMES[a.kind]}</Text>
      </View>
      {a.applicant.phone && <Text className='application-card__line'>{`电话：${a.applicant.phone}`}</Text>}
      {a.place && <Text className='application-card__line'>{`所在：${a.place.label}`}</Text>}
      {a.kind === 'volunteer' ? (
        <>
          <Text className='application-card__line'>{`技能：${a.skills.map(skillName).join('、')}`}</Text>
          {a.serviceRegion && <Text className='application-card__line'>{`服务区域：${a.serviceRegion.label}`}</Text>}
          <Text className='application-card__line'>{`有空的时间：${slotsWords(a.availability, '随时（未填时间）')}`}</Text>
          {a.note && <Text className='application-card__line'>{`自我介绍：${a.note}`}</Text>}
        </>
      ) : (
        <>
          <Text className='application-card__line'>{`迁往：${a.targetRegion?.label ?? ''}`}</Text>
          <Text className='application-card__line'>{`新地址：${a.address ?? ''}`}</Text>
          {a.reason && <Text className='application-card__line'>{`原因：${a.reason}`}</Text>}
        </>
      )}
      <Text className='application-card__time'>{`提交于 ${formatTime(a.createdAt)}`}</Text>
      {declining ? (
        <View className='application-card__decline'>
          <FormTextArea className='application-card__reason' value={reason} maxLength={200} placeholder='不通过的原因（申请人会看到）' onChange={setReason} />
          <View className='application-card__buttons'>
            <Button size='large' onClick={() => setDeclining(false)}>
              取消
            </Button>
            <Button type='danger' size='large' loading={busy} disabled={busy} onClick={() => void decline()}>
              确认不通过
            </Button>
          </View>
        </View>
      ) : (
        <View className='application-card__buttons'>
          <Button size='large' disabled={busy} onClick={() => setDeclining(true)}>
            不通过
          </Button>
          <Button type='primary' size='large' loading={busy} disabled={busy} onClick={() => void approve()}>
            批准
          </Button>
        </View>
      )}
    </View>
  );
}
