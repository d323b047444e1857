import { useEffect, useState } from 'react';
import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Input } from '@nutui/nutui-react-taro';
import { FAMILY_RELATION_NAMES, type FollowedResidentDto, type MeDto, type RegionHitDto } from '@bangbang/shared';
import { AppPage, PhoneBinding, PlacePicker, showError, showSuccess } from '../../components';
import { myFamily, updateMe } from '../../services/endpoints';
import { currentUser, goHome, rememberMe, useCurrentUser } from '../../services/session';
import './index.css';

type Step = 'phone' | 'place' | 'profile';

function firstStep(me: MeDto | undefined): Step {
  if (me?.phone === null) return 'phone';
  if (me?.regionId === null) return 'place';
  return 'profile';
}

/**
 * 加入帮帮团: what a first-time person needs before they can order. 1) their phone (only when they have none),
 * 2) their place (所属网格: down the tree, by name or by their location), 3) their name and address (and, if they
 * like, where they live on the map), saved in one `PATCH /me`; then straight to the resident home. A person who
 * is someone's family contact (a daughter following her mother's orders) sees that first, and may go to her family's
 * orders without joining a grid herself: she may live in another city.
 */
export default function Join() {
  const user = useCurrentUser();
  const [step, setStep] = useState<Step>(() => firstStep(currentUser()));
  const [place, setPlace] = useState<RegionHitDto>();
  const [name, setName] = useState(() => currentUser()?.name ?? '');
  const [address, setAddress] = useState(() => currentUser()?.address ?? '');
  const [location, setLocation] = useState<{ lat: number; lng: number }>();
  const [saving, setSaving] = useState(false);
  const [family, setFamily] = useState<FollowedResidentDto[]>([]);
  const needsPlace = user?.regionId === null;

  useEffect(() => {
    // only a person with a phone can be someone's family contact (the phone is the link)
    if (user?.phone)
      myFamily().then(
        (r) => setFamily(r.items),
        () => setFamily([]),
      );
  }, [user?.phone]);

  const steps: Array<[Step, string]> = [
    ...(user?.phone === null || step === 'phone' ? ([['phone', '手机号']] as Array<[Step, string]>) : []),
    ...(needsPlace || step === 'place' ? ([['place', '所在网格']] as Array<[Step, string]>) : []),
    ['profile', '姓名和地址'],
  ];

  const onBound = (me: MeDto) => {
    rememberMe(me);
    setStep(me.regionId === null ? 'place' : 'profile');
  };

  const locate = async () => {
    try {
      const { latitude, longitude } = await Taro.getLocation({ type: 'gcj02' });
      setLocation({ lat: latitude, lng: longitude });
    } catch {
      void Taro.showToast({ title: '没有取得位置，可以不填', icon: 'none' });
    }
  };

  const save = async () => {
    if (name.trim() === '') {
      void Taro.showToast({ title: '请填写您的姓名', icon: 'none' });
      return;
    }
    if (address.trim() === '') {
      void Taro.showToast({ title: '请填写您的住址', icon: 'none' });
      return;
    }
    setSaving(true);
    try {
      const me = await updateMe({
        name: name.trim(),
        address: address.trim(),
        ...(needsPlace && place ? { regionId: place.id } : {}),
        ...(location ? { location } : {}),
      });
      rememberMe(me);
      showSuccess('欢迎加入帮帮团');
      goHome();
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <AppPage className='join'>
      <View className='join__head'>
        <Text className='join__title'>欢迎加入帮帮团</Text>
        <Text className='join__sub'>填好下面几项，就可以点单求助了</Text>
        <View className='join__steps'>
          {steps.map(([s, label], i) => (
            <Text key={s} className={`join__step ${s === step ? 'join__step--now' : ''}`}>
              {`${i + 1}. ${label}`}
            </Text>
          ))}
        </View>
      </View>

      <View className='join__body'>
        {family.length > 0 && (
          <View className='join__card join__family'>
            <Text className='join__question'>您是这些居民的家属联系人</Text>
            {family.map((f) => (
              <Text key={f.id} className='join__family-row'>
                {`${f.name}（我是${FAMILY_RELATION_NAMES[f.relation]}）· ${
                  f.toConfirm > 0 ? `${f.toConfirm} 个待确认` : f.openOrders > 0 ? `${f.openOrders} 个进行中` : '暂无进行中的需求'
                }`}
              </Text>
            ))}
            <Text className='join__hint'>只想照看家人的需求，不必选择自己的网格；自己也要点单时再填写下面几项。</Text>
            <Button className='join__family-go' type='primary' size='large' block onClick={() => void Taro.reLaunch({ url: '/pages/me/index' })}>
              先看家人的需求
            </Button>
          </View>
        )}

        {step === 'phone' && (
          <View className='join__card'>
            <Text className='join__question'>您的手机号</Text>
            <PhoneBinding onBound={onBound} />
          </View>
        )}

        {step === 'place' && (
          <View className='join__card'>
            <Text className='join__question'>您住在哪个网格？</Text>
            <Text className='join__hint'>可以搜索社区或村的名字，也可以用您现在的位置找最近的网格。</Text>
            <PlacePicker picked={place} onPick={setPlace} />
            <Button className='join__next' type='primary' size='large' block disabled={!place} onClick={() => setStep('profile')}>
              下一步
            </Button>
          </View>
        )}

        {step === 'profile' && (
          <View className='join__card'>
            {place && <Text className='join__place'>{`所在网格：${place.label}`}</Text>}
            <Text className='join__question'>您的姓名</Text>
            <Input className='join__name' placeholder='请填写真实姓名' maxLength={40} value={name} onChange={setName} />
            <Text className='join__question'>您的住址</Text>
            <Input className='join__address' placeholder='例如：胜利小区3号楼2单元401' maxLength={200} value={address} onChange={setAddress} />
            <Button className='join__locate' size='large' block onClick={() => void locate()}>
              {location ? '已记下您家的位置 ✓' : '用我现在的位置作为家的位置（可不填）'}
            </Button>
            <Button className='join__submit' type='primary' size='large' block loading={saving} disabled={saving} onClick={() => void save()}>
              完成，去点单
            </Button>
            {needsPlace && (
              <Button className='join__back' fill='none' size='large' block onClick={() => setStep('place')}>
                重新选择网格
              </Button>
            )}
          </View>
        )}
      </View>
    </AppPage>
  );
}
