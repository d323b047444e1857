import { useEffect, useState } from 'react';
import Taro, { useRouter } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Input, Switch } from '@nutui/nutui-react-taro';
import {
  FAMILY_RELATION_NAMES,
  FamilyContactInputDto,
  LEDGER_TAGS,
  LEDGER_TAG_NAMES,
  MAX_FAMILY_CONTACTS,
  ROLES,
  UpdateUserDto,
  type FamilyRelation,
  type LedgerTag,
  type Role,
  type UserDto,
} from '@bangbang/shared';
import { DetailCard, DetailRow, PageState, showError, showSuccess, useLoader } from '../../../components';
import { Hint, Section, SectionTitle, StaffPage } from '../../../components/staff-page';
import { FormLabel, StaffForm } from '../../../components/staff-form';
import { StaffTag } from '../../../components/staff-order-card';
import {
  addFamilyContact,
  getGrantableRoles,
  getRegion,
  getServiceRecord,
  getUser,
  getUserRoster,
  listServiceCategories,
  removeFamilyContact,
  updateUser,
} from '../../../services/endpoints';
import { ROLE_NAMES } from '../../../services/roles';
import { FieldError, FormProblem, useFieldErrors } from '../../../components/field-errors';
import { slotsWords } from '../../../services/labels';
import { FamilyContactFields } from '../../../components/family-contact-fields';
import { Chip, Chips, LinkBar, PersonSearch, toggled } from '../people/kit';
import './index.css';

const go = (url: string) => void Taro.navigateTo({ url });

/** Everything the person's screen shows, loaded together; what the viewer may not see is left out, not an error. */
async function loadPerson(id: string) {
  const [person, grantable, categories] = await Promise.all([getUser(id), getGrantableRoles(id), listServiceCategories()]);
  const serves = person.roles.includes('volunteer') || person.roles.includes('grid_worker');
  const [place, cadre, record, duty] = await Promise.all([
    person.regionId ? getRegion(person.regionId).catch(() => undefined) : undefined,
    person.pairedCadreId ? getUser(person.pairedCadreId).catch(() => undefined) : undefined,
    serves ? getServiceRecord(id).catch(() => undefined) : undefined,
    serves ? getUserRoster(id).catch(() => undefined) : undefined,
  ]);
  return { person, grantable, categories: categories.items, place, cadre, record, duty };
}

/** The fields the form edits, as the person's record has them. */
interface Draft {
  name: string;
  landline: string;
  address: string;
  roles: Role[];
  tags: LedgerTag[];
  skills: string[];
  partyMember: boolean;
  employedPartyMember: boolean;
  pairedCadreId: string | null;
}

function draftOf(p: UserDto): Draft {
  return {
    name: p.name,
    landline: p.landline ?? '',
    address: p.address ?? '',
    roles: p.roles,
    tags: p.tags,
    skills: p.skills,
    partyMember: p.partyMember,
    employedPartyMember: p.employedPartyMember,
    pairedCadreId: p.pairedCadreId,
  };
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Only what changed: a field left as it was is not sent (nor checked against rules it never touched). */
function patchOf(before: Draft, after: Draft): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (after.name.trim() !== before.name) patch.name = after.name.trim();
  if (after.landline.trim() !== before.landline && after.landline.trim() !== '') patch.landline = after.landline.trim();
  if (after.address.trim() !== before.address && after.address.trim() !== '') patch.address = after.address.trim();
  if (!same(after.roles, before.roles)) patch.roles = after.roles;
  if (!same(after.tags, before.tags)) patch.tags = after.tags;
  if (!same(after.skills, before.skills)) patch.skills = after.skills;
  if (after.partyMember !== before.partyMember) patch.partyMember = after.partyMember;
  if (after.employedPartyMember !== before.employedPartyMember) patch.employedPartyMember = after.employedPartyMember;
  if (after.pairedCadreId !== before.pairedCadreId && after.pairedCadreId !== null) patch.pairedCadreId = after.pairedCadreId;
  return patch;
}

const FORM_LABELS = {
  name: '姓名',
  landline: '固定电话',
  address: '详细地址',
  roles: '角色',
  tags: '台账标签',
  skills: '技能',
  pairedCadreId: '包联责任人',
  partyMember: '党员',
  employedPartyMember: '在职党员',
};

/**
 * 人员详情: a person of the viewer's jurisdiction — details, and for those below the viewer: edit them, their roles
 * (only those the viewer may grant: the server says which, and refuses the rest anyway), ledger tags, skills, paired
 * cadre (包联), family contacts (子女、监护人), the weekly roster and the service record.
 */
export default function Person() {
  const id = useRouter().params.id ?? '';
  // opened without a person (a bookmark, the simulator's launch): nothing is asked of the server
  const loaded = useLoader(async () => (id === '' ? undefined : loadPerson(id)), [id], { refreshOnShow: true });
  const data = loaded.data;
  const [draft, setDraft] = useState<Draft>();
  const [cadreName, setCadreName] = useState<string>();
  const [pickingCadre, setPickingCadre] = useState(false);
  const [saving, setSaving] = useState(false);
  const errors = useFieldErrors(FORM_LABELS);

  useEffect(() => {
    if (!data) return;
    setDraft(draftOf(data.person));
    setCadreName(data.cadre?.name);
  }, [data]);

  const edit = (change: Partial<Draft>) => setDraft(draft && { ...draft, ...change });

  const save = async () => {
    if (!data || !draft) return;
    const patch = patchOf(draftOf(data.person), draft);
    if (Object.keys(patch).length === 0) {
      showSuccess('没有改动');
      return;
    }
    if (!errors.check(UpdateUserDto, patch)) return;
    setSaving(true);
    try {
      const person = await updateUser(data.person.id, patch);
      errors.clear();
      showSuccess('已保存');
      loaded.setData({ ...data, person, grantable: await getGrantableRoles(person.id) });
    } catch (error) {
      errors.take(error);
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  if (id === '') {
    return (
      <StaffPage className='person'>
        <Hint>请从「人员」名单中选择一位人员。</Hint>
      </StaffPage>
    );
  }

  return (
    <StaffPage className='person'>
      <PageState loading={loaded.loading && !data} error={loaded.error} onRetry={() => void loaded.reload()}>
        {data && draft && (
          <View className='person__layout'>
            <View className='person__side'>
              <SectionTitle>{data.person.name}</SectionTitle>
              <DetailCard>
                <DetailRow label='角色'>{data.person.roles.map((r) => ROLE_NAMES[r]).join('、')}</DetailRow>
                <DetailRow label='手机'>{data.person.phone ?? '没有手机'}</DetailRow>
                {data.person.landline && <DetailRow label='固定电话'>{data.person.landline}</DetailRow>}
                <DetailRow label='所在地区'>{data.place?.name ?? '未设置'}</DetailRow>
                <DetailRow label='地址'>{data.person.address ?? '—'}</DetailRow>
                <DetailRow label='包联责任人'>{cadreName ?? (data.person.pairedCadreId ? '（不在您的管辖范围内）' : '未设置')}</DetailRow>
                {data.person.tags.length > 0 && <DetailRow label='台账标签'>{data.person.tags.map((t) => LEDGER_TAG_NAMES[t]).join('、')}</DetailRow>}
                {data.person.skills.length > 0 && (
                  <DetailRow label='技能'>{data.person.skills.map((s) => data.categories.find((c) => c.code === s)?.name ?? s).join('、')}</DetailRow>
                )}
              </DetailCard>
              <LinkBar>
                {data.person.roles.includes('resident') && (
                  <Button onClick={() => go(`/pages/dispatch/proxy-order/index?residentId=${data.person.id}`)}>为他/她代下单</Button>
                )}
                {data.duty && (
                  <Button className='person__roster-link' onClick={() => go(`/pages/manage/rosters/index?userId=${data.person.id}`)}>
                    设置值班表
                  </Button>
                )}
              </LinkBar>

              {data.duty && (
                <>
                  <SectionTitle>值班</SectionTitle>
                  <DetailCard>
                    <DetailRow label='状态'>{data.duty.availableNow ? '此刻可接单' : data.duty.onDuty ? '已上岗，不在值班时段' : '未上岗'}</DetailRow>
                    <DetailRow label='值班表'>{slotsWords(data.duty.roster, '未设值班表（上岗即可接单）')}</DetailRow>
                  </DetailCard>
                </>
              )}

              {data.record && (
                <>
                  <SectionTitle>服务记录</SectionTitle>
                  <DetailCard>
                    <DetailRow label='已完成'>{`${data.record.completed} 次，共 ${Math.round(data.record.serviceMinutes / 6) / 10} 小时`}</DetailRow>
                    <DetailRow label='平均评分'>{data.record.averageRating === null ? '暂无' : data.record.averageRating.toFixed(1)}</DetailRow>
                    <DetailRow label='可靠度'>{data.record.reliability === null ? '暂无' : `${Math.round(data.record.reliability * 100)}%`}</DetailRow>
                    <DetailRow label='退单 / 爽约'>{`${data.record.released} / ${data.record.noShows}`}</DetailRow>
                  </DetailCard>
                </>
              )}

              {data.person.roles.includes('resident') && (
                <FamilyContacts person={data.person} editable={data.grantable.editable} onChange={() => void loaded.reload()} />
              )}
            </View>

            <View className='person__main'>
              <SectionTitle>修改资料</SectionTitle>
              {!data.grantable.editable ? (
                <Hint className='person__not-editable'>{data.grantable.reason ?? '您不能修改这位人员。'}</Hint>
              ) : (
                <StaffForm className='person__form'>
                  <FormLabel>姓名</FormLabel>
                  <Input className='manage-kit__input person__name' value={draft.name} maxLength={40} onChange={(v) => edit({ name: v })} />
                  <FieldError errors={errors} field='name' />

                  <FormLabel>角色（只列出您可以授予或收回的）</FormLabel>
                  <Chips className='person__roles'>
                    {ROLES.filter((r) => data.grantable.roles.includes(r)).map((r) => (
                      <Chip key={r} on={draft.roles.includes(r)} onClick={() => edit({ roles: toggled(draft.roles, r) })}>
                        {ROLE_NAMES[r]}
                      </Chip>
                    ))}
                    {draft.roles
                      .filter((r) => !data.grantable.roles.includes(r))
                      .map((r) => (
                        <StaffTag key={r} color='blue'>
                          {ROLE_NAMES[r]}（由上级调整）
                        </StaffTag>
                      ))}
                  </Chips>
                  <FieldError errors={errors} field='roles' />

                  <FormLabel>台账标签</FormLabel>
                  <Chips className='person__tags'>
                    {LEDGER_TAGS.map((t) => (
                      <Chip key={t} on={draft.tags.includes(t)} onClick={() => edit({ tags: toggled(draft.tags, t) })}>
                        {LEDGER_TAG_NAMES[t]}
                      </Chip>
                    ))}
                  </Chips>
                  <FieldError errors={errors} field='tags' />

                  {(draft.roles.includes('volunteer') || draft.roles.includes('grid_worker')) && (
                    <>
                      <FormLabel>技能（能做的服务）</FormLabel>
                      <Chips className='person__skills'>
                        {data.categories.map((c) => (
                          <Chip key={c.code} on={draft.skills.includes(c.code)} onClick={() => edit({ skills: toggled(draft.skills, c.code) })}>
                            {c.name}
                          </Chip>
                        ))}
                      </Chips>
                      <FieldError errors={errors} field='skills' />
                    </>
                  )}

                  <FormLabel>固定电话</FormLabel>
                  <Input
                    className='manage-kit__input person__landline'
                    type='tel'
                    maxLength={13}
                    value={draft.landline}
                    placeholder='如 0471-1234567'
                    onChange={(v) => edit({ landline: v })}
                  />
                  <FieldError errors={errors} field='landline' />

                  <FormLabel>详细地址</FormLabel>
                  <Input
                    className='manage-kit__input person__address'
                    value={draft.address}
                    maxLength={200}
                    placeholder='如：3号楼2单元401'
                    onChange={(v) => edit({ address: v })}
                  />
                  <FieldError errors={errors} field='address' />

                  <View className='person__switch'>
                    <Text>党员</Text>
                    <Switch checked={draft.partyMember} onChange={(v) => edit({ partyMember: v })} />
                  </View>
                  <View className='person__switch'>
                    <Text>在职党员（双报到）</Text>
                    <Switch checked={draft.employedPartyMember} onChange={(v) => edit({ employedPartyMember: v })} />
                  </View>

                  <FormLabel>包联责任人（结对帮扶的干部或网格员）</FormLabel>
                  <View className='person__cadre'>
                    <Text>{cadreName ?? '未设置'}</Text>
                    <Button size='small' onClick={() => setPickingCadre(!pickingCadre)}>
                      {pickingCadre ? '收起' : '更换'}
                    </Button>
                  </View>
                  {pickingCadre && (
                    <PersonSearch
                      roles={['grid_worker', 'dispatcher', 'volunteer']}
                      exclude={[data.person.id]}
                      action='选为包联'
                      onPick={(p) => {
                        edit({ pairedCadreId: p.id });
                        setCadreName(p.name);
                        setPickingCadre(false);
                      }}
                    />
                  )}
                  <FieldError errors={errors} field='pairedCadreId' />

                  <FormProblem errors={errors} />
                  <Button className='person__save' type='primary' size='large' block loading={saving} disabled={saving} onClick={() => void save()}>
                    保存
                  </Button>
                </StaffForm>
              )}
            </View>
          </View>
        )}
      </PageState>
    </StaffPage>
  );
}

/** 家属联系人: who follows a resident's orders from their own phone; added and removed by staff over the resident. */
function FamilyContacts({ person, editable, onChange }: { person: UserDto; editable: boolean; onChange: () => void }) {
  const [name, setName] = useState('');
  const [relation, setRelation] = useState<FamilyRelation>('child');
  const [phone, setPhone] = useState('');
  const [saving, setSaving] = useState(false);
  const errors = useFieldErrors({ name: '家属姓名', relation: '关系', phone: '家属手机号' });

  const add = async () => {
    const body = { name: name.trim(), relation, phone: phone.trim() };
    if (!errors.check(FamilyContactInputDto, body)) return;
    setSaving(true);
    try {
      await addFamilyContact(person.id, body);
      errors.clear();
      setName('');
      setPhone('');
      showSuccess('已添加');
      onChange();
    } catch (error) {
      errors.take(error);
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  const remove = async (contactId: string) => {
    try {
      await removeFamilyContact(person.id, contactId);
      showSuccess('已删除');
      onChange();
    } catch (error) {
      showError(error);
    }
  };

  return (
    <>
      <SectionTitle>家属联系人</SectionTitle>
      <Section>
        {person.familyContacts.length === 0 && <Hint>还没有登记家属。</Hint>}
        {person.familyContacts.map((c) => (
          <View key={c.id} className='person__family'>
            <Text>{`${c.name}（${FAMILY_RELATION_NAMES[c.relation]}） ${c.phone}`}</Text>
            {editable && (
              <Text className='person__remove' onClick={() => void remove(c.id)}>
                删除
              </Text>
            )}
          </View>
        ))}
      </Section>
      {editable && person.familyContacts.length < MAX_FAMILY_CONTACTS && (
        <StaffForm className='person__family-form'>
          <FormLabel>添加家属</FormLabel>
          <FamilyContactFields
            value={{ name, relation, phone }}
            onChange={(patch) => {
              if (patch.name !== undefined) setName(patch.name);
              if (patch.relation !== undefined) setRelation(patch.relation);
              if (patch.phone !== undefined) setPhone(patch.phone);
            }}
            classPrefix='person'
            inputClassName='manage-kit__input'
            below={{ name: <FieldError errors={errors} field='name' />, phone: <FieldError errors={errors} field='phone' /> }}
          />
          <FormProblem errors={errors} />
          <Button block loading={saving} disabled={saving} onClick={() => void add()}>
            添加家属
          </Button>
        </StaffForm>
      )}
    </>
  );
}
