import { useEffect, useState } from 'react';
import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Input } from '@nutui/nutui-react-taro';
import { RegisterPartyMemberDto, type RegionDto, type RegionHitDto } from '@bangbang/shared';
import { AppPage, PageState, PlacePicker, firstLoad, showSuccess, useLoader } from '../../../components';
import { FieldError, FormProblem, useFieldErrors } from '../../../components/field-errors';
import { FormLabel, StaffForm } from '../../../components/staff-form';
import { endPartyRegistration, getRegion, myPartyRegistration, registerPartyMember } from '../../../services/endpoints';
import { refreshMe } from '../../../services/session';
import '../projects.css';

/** The community (社区/嘎查村) of the person's own place: where an employed party member reports by default. */
async function homeCommunity(regionId: string | null): Promise<RegionDto | undefined> {
  if (regionId === null) return undefined;
  const place = await getRegion(regionId);
  if (place.level === 'community') return place;
  return place.level === 'grid' && place.parentId ? getRegion(place.parentId) : undefined;
}

/**
 * 在职党员「双报到」: the community where one lives (one's own by default, or another picked down the tree or by
 * name), the workplace and, if any, its party organisation. Checked by the DTO the server checks with; the server's
 * answer beside its field. Once registered, the community's projects can be claimed.
 */
export default function PartyRegistration() {
  const data = useLoader(async () => {
    const me = await refreshMe();
    const [reg, home] = await Promise.all([myPartyRegistration(), homeCommunity(me.regionId)]);
    return { registration: reg.registration, home };
  }, []);
  const [community, setCommunity] = useState<{ id: string; name: string }>();
  const [picking, setPicking] = useState(false);
  const [workplace, setWorkplace] = useState('');
  const [org, setOrg] = useState('');
  const [saving, setSaving] = useState(false);
  const form = useFieldErrors({ communityId: '居住的社区/村', workplace: '工作单位', workplacePartyOrg: '单位党组织' });

  useEffect(() => {
    const reg = data.data?.registration;
    if (reg) {
      setCommunity(reg.community);
      setWorkplace(reg.workplace);
      setOrg(reg.workplacePartyOrg ?? '');
    } else if (data.data?.home) {
      setCommunity({ id: data.data.home.id, name: data.data.home.name });
    }
  }, [data.data]);

  const pick = (hit: RegionHitDto | undefined) => {
    if (hit) setCommunity({ id: hit.id, name: hit.label });
    setPicking(false);
  };

  const save = async () => {
    const body = { communityId: community?.id ?? '', workplace: workplace.trim(), ...(org.trim() ? { workplacePartyOrg: org.trim() } : {}) };
    if (!form.check(RegisterPartyMemberDto, body)) return;
    setSaving(true);
    try {
      await registerPartyMember(body);
      form.clear();
      showSuccess('已双报到');
      setTimeout(() => void Taro.navigateBack(), 800);
    } catch (error) {
      form.take(error);
    } finally {
      setSaving(false);
    }
  };

  const end = async () => {
    const { confirm } = await Taro.showModal({ title: '结束双报到', content: '结束后不能再认领这个社区的项目（已认领的不受影响），确定吗？' });
    if (!confirm) return;
    try {
      await endPartyRegistration();
      showSuccess('已结束双报到');
      await data.reload();
    } catch (error) {
      form.take(error);
    }
  };

  return (
    <AppPage className='projects party-register'>
      <PageState {...firstLoad(data)}>
        <StaffForm>
          <Text className='projects__detail'>在职党员到居住的社区/村报到，认领社区的项目，参加的时长计入志愿服务时长。</Text>

          <FormLabel>居住的社区/村</FormLabel>
          <View className='projects__chips'>
            {community && <Text className='projects__chip projects__chip--on party-register__community'>{community.name}</Text>}
            <Text className='projects__chip party-register__change' onClick={() => setPicking(!picking)}>
              {community ? '换一个' : '选择社区/村'}
            </Text>
          </View>
          {picking && <PlacePicker anyLevel onPick={pick} />}
          <FieldError errors={form} field='communityId' />

          <FormLabel>工作单位</FormLabel>
          <Input
            className='projects__input party-register__workplace'
            value={workplace}
            maxLength={100}
            placeholder='如：杭锦后旗税务局'
            onChange={setWorkplace}
          />
          <FieldError errors={form} field='workplace' />

          <FormLabel>单位党组织（可不填）</FormLabel>
          <Input className='projects__input party-register__org' value={org} maxLength={100} placeholder='如：杭锦后旗税务局机关党支部' onChange={setOrg} />
          <FieldError errors={form} field='workplacePartyOrg' />

          <FormProblem errors={form} />
          <Button className='party-register__submit' type='primary' size='large' block loading={saving} disabled={saving} onClick={() => void save()}>
            {data.data?.registration ? '保存修改' : '双报到'}
          </Button>
          {data.data?.registration && (
            <Button className='party-register__end' size='large' block onClick={() => void end()}>
              结束双报到
            </Button>
          )}
        </StaffForm>
      </PageState>
    </AppPage>
  );
}
