import { useState } from 'react';
import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Input, Radio } from '@nutui/nutui-react-taro';
import {
  FAMILY_RELATION_NAMES,
  LANDLINE_MESSAGE,
  LEDGER_TAGS,
  LEDGER_TAG_NAMES,
  MAX_FAMILY_CONTACTS,
  isLandline,
  isMainlandMobile,
  type FamilyRelation,
  type LedgerTag,
  type RegionDto,
  type UserDto,
} from '@bangbang/shared';
import { PageState, errorMessage, showError, showSuccess, useLoader } from '../../../components';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { FormLabel, StaffForm } from '../../../components/staff-form';
import { StaffTag } from '../../../components/staff-order-card';
import { getRegion, listChildRegions, registerUser } from '../../../services/endpoints';
import { useCurrentUser } from '../../../services/session';
import { FamilyContactFields } from '../../../components/family-contact-fields';
import '../proxy-order/index.css';
import './index.css';

/** How the resident is reached: their own mobile, a landline (固定电话), or only through family. */
type Reach = 'mobile' | 'landline' | 'none';
const REACH_NAMES: Record<Reach, string> = { mobile: '手机', landline: '固定电话', none: '没有电话' };

interface FamilyRow {
  key: number;
  name: string;
  relation: FamilyRelation;
  phone: string;
}

/** The places one may register a resident in: a community (社区/嘎查村) or a grid (网格), browsed down from one's own. */
function PlacePicker({ rootId, picked, onPick }: { rootId: string; picked: string | undefined; onPick: (r: RegionDto) => void }) {
  const [trail, setTrail] = useState<RegionDto[]>([]);
  const places = useLoader(async () => {
    const here = trail.at(-1) ?? (await getRegion(rootId));
    const children = here.level === 'grid' ? [] : (await listChildRegions(here.id)).items;
    if (here.level === 'grid' || (here.level === 'community' && children.length === 0)) onPick(here);
    return { here, children };
  }, [rootId, trail.length]);
  const here = places.data?.here;
  return (
    <PageState loading={places.loading} error={places.error} onRetry={() => void places.reload()}>
      {here && (
        <View className='register-person__places'>
          {trail.length > 0 && (
            <View className='register-person__place' onClick={() => setTrail(trail.slice(0, -1))}>
              ‹ 返回上级
            </View>
          )}
          {(here.level === 'grid' || here.level === 'community') && (
            <View className={`register-person__place ${picked === here.id ? 'register-person__place--picked' : ''}`} onClick={() => onPick(here)}>
              {here.name}
            </View>
          )}
          {places.data?.children.map((c) => (
            <View
              key={c.id}
              className={`register-person__place register-person__place-option ${picked === c.id ? 'register-person__place--picked' : ''}`}
              onClick={() => (c.level === 'grid' ? onPick(c) : setTrail([...trail, c]))}
            >
              {c.name}
              {c.level !== 'grid' ? ' ›' : ''}
            </View>
          ))}
        </View>
      )}
    </PageState>
  );
}

/**
 * 登记居民: a grid worker or dispatcher registers a resident of their area — often an elder without a smartphone, or
 * without any mobile: reached by a landline, or through family (子女、监护人) who follow and confirm their orders from
 * their own phone. Afterwards, 「为他/她代下单」 goes straight to 代下单 with the resident chosen.
 */
export default function RegisterPerson() {
  const me = useCurrentUser();
  const [name, setName] = useState('');
  const [place, setPlace] = useState<RegionDto>();
  const [address, setAddress] = useState('');
  const [reach, setReach] = useState<Reach>('landline');
  const [phone, setPhone] = useState('');
  const [landline, setLandline] = useState('');
  const [tags, setTags] = useState<LedgerTag[]>([]);
  const [family, setFamily] = useState<FamilyRow[]>([]);
  const [problem, setProblem] = useState('');
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<UserDto>();

  const toggleTag = (t: LedgerTag) => setTags(tags.includes(t) ? tags.filter((x) => x !== t) : [...tags, t]);
  const addFamily = () => setFamily([...family, { key: Date.now(), name: '', relation: 'child', phone: '' }]);
  const editFamily = (key: number, change: Partial<FamilyRow>) => setFamily(family.map((f) => (f.key === key ? { ...f, ...change } : f)));

  /** What is still wrong, in words; empty when the form can be sent. */
  const check = (): string => {
    if (name.trim() === '') return '请填写居民姓名';
    if (!place) return '请选择所在网格';
    if (reach === 'mobile' && !isMainlandMobile(phone.trim())) return '请输入 11 位手机号码';
    if (reach === 'landline' && !isLandline(landline.trim())) return LANDLINE_MESSAGE;
    for (const [i, f] of family.entries()) {
      if (f.name.trim() === '') return `请填写第 ${i + 1} 位家属的姓名`;
      if (!isMainlandMobile(f.phone.trim())) return `第 ${i + 1} 位家属的手机号须为 11 位手机号码`;
    }
    if (reach === 'none' && family.length === 0) return '没有电话的居民，请至少登记一位家属（子女、监护人）的手机号';
    return '';
  };

  const submit = async () => {
    const wrong = check();
    setProblem(wrong);
    if (wrong !== '' || !place) return;
    setSaving(true);
    try {
      const person = await registerUser({
        name: name.trim(),
        roles: ['resident'],
        regionId: place.id,
        ...(address.trim() ? { address: address.trim() } : {}),
        ...(reach === 'mobile' ? { phone: phone.trim() } : {}),
        ...(reach === 'landline' ? { landline: landline.trim() } : {}),
        ...(tags.length > 0 ? { tags } : {}),
        ...(family.length > 0 ? { familyContacts: family.map((f) => ({ name: f.name.trim(), relation: f.relation, phone: f.phone.trim() })) } : {}),
      });
      showSuccess('已登记');
      setSaved(person);
    } catch (error) {
      setProblem(errorMessage(error));
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  if (saved) {
    return (
      <StaffPage className='register-person'>
        <View className='register-person__done'>
          <Text className='register-person__done-title'>已登记：{saved.name}</Text>
          <Hint>
            {saved.phone ?? saved.landline ?? '没有电话'}
            {saved.familyContacts.length > 0
              ? ` · 家属 ${saved.familyContacts.map((f) => `${f.name}（${FAMILY_RELATION_NAMES[f.relation]}）`).join('、')}`
              : ''}
          </Hint>
          <Button
            className='register-person__proxy'
            type='primary'
            size='large'
            block
            onClick={() => void Taro.redirectTo({ url: `/pages/dispatch/proxy-order/index?residentId=${saved.id}` })}
          >
            为{saved.name}代下单
          </Button>
          <Button size='large' block onClick={() => void Taro.redirectTo({ url: '/pages/dispatch/register-person/index' })}>
            再登记一位
          </Button>
        </View>
      </StaffPage>
    );
  }

  return (
    <StaffPage className='register-person'>
      <SectionTitle>登记居民</SectionTitle>
      <Hint>没有手机的老人也可以登记：留固定电话，或登记子女、监护人的手机号，由家属查看和确认老人的需求。</Hint>
      <StaffForm>
        <FormLabel>姓名</FormLabel>
        <Input className='register-person__input register-person__name' value={name} maxLength={40} placeholder='居民姓名' onChange={setName} />

        <FormLabel>所在网格</FormLabel>
        {me?.regionId ? <PlacePicker rootId={me.regionId} picked={place?.id} onPick={setPlace} /> : <Hint>您还没有所属地区，不能登记居民。</Hint>}

        <FormLabel>详细地址</FormLabel>
        <Input
          className='register-person__input register-person__address'
          value={address}
          maxLength={200}
          placeholder='如：3号楼2单元401'
          onChange={setAddress}
        />

        <FormLabel>联系电话</FormLabel>
        <Radio.Group className='staff-choice register-person__reach' value={reach} direction='horizontal' onChange={(v) => setReach(v as Reach)}>
          {(Object.keys(REACH_NAMES) as Reach[]).map((r) => (
            <Radio key={r} value={r} shape='button'>
              {REACH_NAMES[r]}
            </Radio>
          ))}
        </Radio.Group>
        {reach === 'mobile' && (
          <Input
            className='register-person__input register-person__phone'
            type='tel'
            maxLength={11}
            value={phone}
            placeholder='11 位手机号码'
            onChange={setPhone}
          />
        )}
        {reach === 'landline' && (
          <Input
            className='register-person__input register-person__landline'
            type='tel'
            maxLength={13}
            value={landline}
            placeholder='固定电话，如 0471-1234567'
            onChange={setLandline}
          />
        )}

        <FormLabel>台账标签</FormLabel>
        <View className='staff-person__tags register-person__tags'>
          {LEDGER_TAGS.map((t) => (
            <View key={t} className='register-person__tag' onClick={() => toggleTag(t)}>
              <StaffTag color={tags.includes(t) ? 'red' : 'blue'}>
                {tags.includes(t) ? '✓ ' : ''}
                {LEDGER_TAG_NAMES[t]}
              </StaffTag>
            </View>
          ))}
        </View>

        <FormLabel>家属联系人（子女、监护人等，可查看并确认老人的需求）</FormLabel>
        {family.map((f, i) => (
          <View key={f.key} className='register-person__family'>
            <View className='register-person__family-head'>
              <Text>第 {i + 1} 位家属</Text>
              <Text className='register-person__remove' onClick={() => setFamily(family.filter((x) => x.key !== f.key))}>
                删除
              </Text>
            </View>
            <FamilyContactFields
              value={f}
              onChange={(patch) => editFamily(f.key, patch)}
              classPrefix='register-person'
              inputClassName='register-person__input'
            />
          </View>
        ))}
        {family.length < MAX_FAMILY_CONTACTS && (
          <Button className='register-person__add-family' size='large' block onClick={addFamily}>
            + 添加一位家属
          </Button>
        )}

        {problem !== '' && <Text className='register-person__error'>{problem}</Text>}
        <Button className='register-person__submit' type='primary' size='large' block loading={saving} disabled={saving} onClick={() => void submit()}>
          保存登记
        </Button>
      </StaffForm>
    </StaffPage>
  );
}
