import { useEffect, useState } from 'react';
import Taro, { useRouter } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Input } from '@nutui/nutui-react-taro';
import { TEAM_COLORS, TEAM_COLOR_NAMES, UpdateSquadDto, type SquadDto, type TeamColor, type UserDto } from '@bangbang/shared';
import { PageState, showError, showSuccess, useLoader, withFeedback } from '../../../components';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { FormLabel, StaffForm } from '../../../components/staff-form';
import { StaffTag } from '../../../components/staff-order-card';
import { addSquadMember, getSquad, listServiceCategories, removeSquadMember, updateSquad } from '../../../services/endpoints';
import { ROLE_NAMES } from '../../../services/roles';
import { useCurrentUser } from '../../../services/session';
import { FieldError, FormProblem, useFieldErrors } from '../../../components/field-errors';
import { TEAM_COLOR_HEX } from '../../../services/labels';
import { Chip, Chips, PersonSearch, toggled } from '../people/kit';
import '../squads/index.css';
import './index.css';

/** One member: who, and what the viewer may do with them (make them the leader, take them out). */
function MemberRow({
  member,
  leader,
  mayEdit,
  mayManage,
  onLead,
  onRemove,
}: {
  member: UserDto;
  leader: boolean;
  mayEdit: boolean;
  mayManage: boolean;
  onLead: () => void;
  onRemove: () => void;
}) {
  return (
    <View className='manage-table__row squad__member'>
      <View className='manage-table__cell manage-table__cell--main'>
        <Text onClick={() => void Taro.navigateTo({ url: `/pages/manage/person/index?id=${member.id}` })}>{member.name}</Text>
        {leader && <StaffTag color='red'>负责人</StaffTag>}
      </View>
      <Text className='manage-table__cell'>{member.roles.map((r) => ROLE_NAMES[r]).join('、')}</Text>
      <Text className='manage-table__cell'>{member.phone ?? '—'}</Text>
      <View className='manage-table__cell squad__actions'>
        {!leader && mayEdit && (
          <Button size='small' className='squad__lead' onClick={onLead}>
            设为负责人
          </Button>
        )}
        {!leader && mayManage && (
          <Button size='small' className='squad__remove' onClick={onRemove}>
            移出
          </Button>
        )}
      </View>
    </View>
  );
}

/**
 * 小分队详情: a squad and its members. Admins and dispatchers over its place change its name, colour and services and
 * its leader (a member); they and the leader add members (volunteers and grid workers of the place, found by name or
 * phone) and take them out (the leader stays until another is chosen).
 */
export default function Squad() {
  const id = useRouter().params.id ?? '';
  const me = useCurrentUser();
  // opened without a squad (a bookmark, the simulator's launch): nothing is asked of the server
  const squad = useLoader(async () => (id === '' ? undefined : getSquad(id)), [id], { refreshOnShow: true });
  const categories = useLoader(() => listServiceCategories(), []);
  const data = squad.data;
  const mayEdit = me?.roles.includes('admin') === true || me?.roles.includes('dispatcher') === true;
  const mayManage = mayEdit || (data !== undefined && data.leaderId === me?.id);

  const [name, setName] = useState('');
  const [color, setColor] = useState<TeamColor>('red');
  const [codes, setCodes] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const errors = useFieldErrors({ name: '名称', color: '颜色', categories: '服务项目', leaderId: '负责人' });
  useEffect(() => {
    if (!data) return;
    setName(data.name);
    setColor(data.color);
    setCodes(data.categories);
  }, [data?.id, data?.name, data?.color, data?.categories.join()]);

  const save = async (patch: Partial<Pick<SquadDto, 'name' | 'color' | 'categories' | 'leaderId'>>, done: string) => {
    if (!errors.check(UpdateSquadDto, patch)) return;
    setSaving(true);
    try {
      await updateSquad(id, patch);
      errors.clear();
      showSuccess(done);
      await squad.reload();
    } catch (error) {
      errors.take(error);
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  const add = async (person: UserDto) => {
    if (await withFeedback(() => addSquadMember(id, { userId: person.id }), `已加入：${person.name}`)) await squad.reload();
  };
  const remove = async (person: UserDto) => {
    if (await withFeedback(() => removeSquadMember(id, person.id), `已移出：${person.name}`)) await squad.reload();
  };

  if (id === '') {
    return (
      <StaffPage className='squad'>
        <Hint>请从「小分队」列表中选择一支小分队。</Hint>
      </StaffPage>
    );
  }

  return (
    <StaffPage className='squad'>
      <PageState loading={squad.loading && !data} error={squad.error} onRetry={() => void squad.reload()}>
        {data && (
          <View className='squad__layout'>
            <View className='squad__main'>
              <View className='squad__head'>
                <Text className='squads__dot squad__dot' style={{ background: TEAM_COLOR_HEX[data.color] }} />
                <Text className='squad__title'>{data.name}</Text>
              </View>
              <Hint>{`${data.regionName} · ${TEAM_COLOR_NAMES[data.color]} · 负责人 ${data.leaderName} · ${data.memberCount} 人`}</Hint>
              <SectionTitle>成员</SectionTitle>
              <View className='manage-table squad__members'>
                <View className='manage-table__head'>
                  <Text>姓名</Text>
                  <Text>角色</Text>
                  <Text>电话</Text>
                  <Text>操作</Text>
                </View>
                {data.members.map((m) => (
                  <MemberRow
                    key={m.id}
                    member={m}
                    leader={m.id === data.leaderId}
                    mayEdit={mayEdit}
                    mayManage={mayManage}
                    onLead={() => void save({ leaderId: m.id }, `负责人已改为${m.name}`)}
                    onRemove={() => void remove(m)}
                  />
                ))}
              </View>
              {mayManage && (
                <>
                  <SectionTitle>加入成员</SectionTitle>
                  <StaffForm className='squad__add'>
                    <Hint>本地区的志愿者或网格员：输入姓名或手机号查找。</Hint>
                    <PersonSearch
                      regionId={data.regionId}
                      roles={['volunteer', 'grid_worker']}
                      exclude={data.members.map((m) => m.id)}
                      action='加入'
                      onPick={add}
                    />
                  </StaffForm>
                </>
              )}
            </View>

            {mayEdit && (
              <View className='squad__side'>
                <SectionTitle>修改小分队</SectionTitle>
                <StaffForm className='squad__form'>
                  <FormLabel>名称</FormLabel>
                  <Input className='manage-kit__input squad__name' value={name} maxLength={60} onChange={setName} />
                  <FieldError errors={errors} field='name' />
                  <FormLabel>颜色</FormLabel>
                  <Chips>
                    {TEAM_COLORS.map((c) => (
                      <Chip key={c} on={color === c} onClick={() => setColor(c)}>
                        {TEAM_COLOR_NAMES[c]}
                      </Chip>
                    ))}
                  </Chips>
                  <FieldError errors={errors} field='color' />
                  <FormLabel>服务项目</FormLabel>
                  <Chips>
                    {(categories.data?.items ?? []).map((c) => (
                      <Chip key={c.code} on={codes.includes(c.code)} onClick={() => setCodes(toggled(codes, c.code))}>
                        {c.name}
                      </Chip>
                    ))}
                  </Chips>
                  <FieldError errors={errors} field='categories' />
                  <FieldError errors={errors} field='leaderId' />
                  <FormProblem errors={errors} />
                  <Button
                    className='squad__save'
                    type='primary'
                    size='large'
                    block
                    loading={saving}
                    disabled={saving}
                    onClick={() => void save({ name: name.trim(), color, categories: codes }, '已保存')}
                  >
                    保存
                  </Button>
                </StaffForm>
              </View>
            )}
          </View>
        )}
      </PageState>
    </StaffPage>
  );
}
