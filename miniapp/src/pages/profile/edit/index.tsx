import { useState } from 'react';
import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Input } from '@nutui/nutui-react-taro';
import { APPLICATION_STATUS_NAMES, type ApplicationDto, type RegionHitDto } from '@bangbang/shared';
import { AppPage, PageState, PlacePicker, firstLoad, showError, showSuccess, useLoader, withFeedback } from '../../../components';
import { FormLabel, FormTextArea, StaffForm } from '../../../components/staff-form';
import { applyFor, getRegion, myApplications, updateMe, withdrawApplication } from '../../../services/endpoints';
import { currentUser, rememberMe } from '../../../services/session';
import '../profile.css';

interface Loaded {
  placeName: string;
  /** The latest move request (迁移申请), if any. */
  move: ApplicationDto | undefined;
}

async function load(): Promise<Loaded> {
  const me = currentUser();
  const [place, mine] = await Promise.all([me?.regionId ? getRegion(me.regionId) : Promise.resolve(undefined), myApplications()]);
  return { placeName: place?.name ?? '（未选择）', move: mine.items.find((a) => a.kind === 'move') };
}

/**
 * 编辑个人资料: name, address and where home is on the map are the person's own. Their place (所属网格) is shown
 * but not edited here: 「申请迁移」 asks the staff (a move request: the new grid, the new address, why).
 */
export default function EditProfile() {
  const data = useLoader(load, [], { refreshOnShow: true });
  const [name, setName] = useState(() => currentUser()?.name ?? '');
  const [address, setAddress] = useState(() => currentUser()?.address ?? '');
  const [location, setLocation] = useState(() => currentUser()?.location ?? undefined);
  const [saving, setSaving] = useState(false);
  const [moving, setMoving] = useState(false);
  const [target, setTarget] = useState<RegionHitDto>();
  const [newAddress, setNewAddress] = useState('');
  const [reason, setReason] = useState('');
  const [sending, setSending] = useState(false);

  const locate = async () => {
    try {
      const { latitude, longitude } = await Taro.getLocation({ type: 'gcj02' });
      setLocation({ lat: latitude, lng: longitude });
    } catch {
      void Taro.showToast({ title: '没有取得位置', icon: 'none' });
    }
  };

  const save = async () => {
    if (name.trim() === '') {
      void Taro.showToast({ title: '请填写姓名', icon: 'none' });
      return;
    }
    setSaving(true);
    try {
      rememberMe(await updateMe({ name: name.trim(), address: address.trim(), ...(location ? { location } : {}) }));
      showSuccess('已保存');
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  const requestMove = async () => {
    if (!target || newAddress.trim() === '') {
      void Taro.showToast({ title: '请选择新网格并填写新地址', icon: 'none' });
      return;
    }
    setSending(true);
    try {
      await applyFor({ kind: 'move', targetRegionId: target.id, address: newAddress.trim(), ...(reason.trim() ? { reason: reason.trim() } : {}) });
      showSuccess('已提交迁移申请');
      setMoving(false);
      setTarget(undefined);
      await data.reload();
    } catch (error) {
      showError(error);
    } finally {
      setSending(false);
    }
  };

  const withdraw = async (id: string) => {
    if (await withFeedback(() => withdrawApplication(id), '已撤回')) await data.reload();
  };

  const move = data.data?.move;

  return (
    <AppPage className='profile'>
      <StaffForm>
        <FormLabel>姓名</FormLabel>
        <Input className='profile__input profile__name' maxLength={40} value={name} onChange={setName} />
        <FormLabel>住址</FormLabel>
        <Input className='profile__input profile__address' maxLength={200} value={address} placeholder='小区、楼号、单元、门牌' onChange={setAddress} />
        <Button size='large' block onClick={() => void locate()}>
          {location ? '家的位置已记下，点此用现在的位置更新' : '用我现在的位置作为家的位置'}
        </Button>
        <Button className='profile__save' type='primary' size='large' block loading={saving} disabled={saving} onClick={() => void save()}>
          保存
        </Button>
      </StaffForm>

      <StaffForm>
        <FormLabel>所在网格</FormLabel>
        <PageState {...firstLoad(data)}>
          <Text className='profile__place'>{data.data?.placeName ?? ''}</Text>
          {move && (
            <View className='profile__application'>
              <Text className='profile__status'>{`迁移申请：${APPLICATION_STATUS_NAMES[move.status]}`}</Text>
              <Text className='profile__detail'>{`迁往：${move.targetRegion?.label ?? ''}`}</Text>
              {move.status === 'declined' && move.declineReason && <Text className='profile__declined'>{`未通过的原因：${move.declineReason}`}</Text>}
              {move.status === 'pending' && (
                <Button size='large' block onClick={() => void withdraw(move.id)}>
                  撤回迁移申请
                </Button>
              )}
            </View>
          )}
          {move?.status !== 'pending' && !moving && (
            <Button className='profile__move' size='large' block onClick={() => setMoving(true)}>
              申请迁移
            </Button>
          )}
          {moving && (
            <View className='profile__moving'>
              <Text className='profile__detail'>搬家了？选择新的网格，填写新地址，由网格员审核后生效。</Text>
              <PlacePicker picked={target} onPick={setTarget} />
              <FormLabel>新地址</FormLabel>
              <Input className='profile__input' maxLength={200} value={newAddress} onChange={setNewAddress} />
              <FormLabel>原因（可不填）</FormLabel>
              <FormTextArea value={reason} maxLength={500} placeholder='例如：搬到女儿家住' onChange={setReason} />
              <Button type='primary' size='large' block loading={sending} disabled={sending} onClick={() => void requestMove()}>
                提交迁移申请
              </Button>
              <Button fill='none' size='large' block onClick={() => setMoving(false)}>
                取消
              </Button>
            </View>
          )}
        </PageState>
      </StaffForm>
    </AppPage>
  );
}
