import { useState } from 'react';
import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Input } from '@nutui/nutui-react-taro';
import { CreateSquadDto, TEAM_COLORS, TEAM_COLOR_NAMES, type RegionDto, type SquadDto, type TeamColor, type UserDto } from '@bangbang/shared';
import { PageState, showError, showSuccess, useLoader } from '../../../components';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { FormLabel, StaffForm } from '../../../components/staff-form';
import { createSquad, listServiceCategories, listSquads } from '../../../services/endpoints';
import { useCurrentUser } from '../../../services/session';
import { FieldError, FormProblem, useFieldErrors } from '../../../components/field-errors';
import { TEAM_COLOR_HEX } from '../../../services/labels';
import { Chip, Chips, PersonSearch, ScopePicker, toggled } from '../people/kit';
import './index.css';

function SquadRow({ squad, categoryName }: { squad: SquadDto; categoryName: (code: string) => string }) {
  return (
    <View className='manage-table__row squads__row' onClick={() => void Taro.navigateTo({ url: `/pages/manage/squad/index?id=${squad.id}` })}>
      <View className='manage-table__cell manage-table__cell--main squads__name'>
        <Text className='squads__dot' style={{ background: TEAM_COLOR_HEX[squad.color] }} />
        <Text>{squad.name}</Text>
      </View>
      <Text className='manage-table__cell'>{squad.regionName}</Text>
      <Text className='manage-table__cell'>负责人 {squad.leaderName}</Text>
      <Text className='manage-table__cell'>{squad.memberCount} 人</Text>
      <Text className='manage-table__cell manage-table__cell--muted'>{squad.categories.map(categoryName).join('、') || '—'}</Text>
    </View>
  );
}

/**
 * 小分队: the squads of the viewer's jurisdiction (七彩帮帮团, 暖心服务小分队…), by place; admins and dispatchers set
 * one up here — name, colour, the services it takes, its leader (a volunteer or grid worker of the place) — and
 * then add its members on its own screen.
 */
export default function Squads() {
  const me = useCurrentUser();
  const mayCreate = me?.roles.includes('admin') === true || me?.roles.includes('dispatcher') === true;
  const [place, setPlace] = useState<RegionDto>();
  const squads = useLoader(() => listSquads(place?.id), [place?.id], { refreshOnShow: true });
  const categories = useLoader(() => listServiceCategories(), []);
  const categoryName = (code: string) => categories.data?.items.find((c) => c.code === code)?.name ?? code;

  const [name, setName] = useState('');
  const [color, setColor] = useState<TeamColor>('red');
  const [codes, setCodes] = useState<string[]>([]);
  const [leader, setLeader] = useState<UserDto>();
  const [saving, setSaving] = useState(false);
  const errors = useFieldErrors({ name: '名称', color: '颜色', regionId: '所在地区', leaderId: '负责人', categories: '服务项目' });

  const create = async () => {
    const body = { name: name.trim(), color, regionId: place?.id ?? '', leaderId: leader?.id ?? '', categories: codes };
    if (!errors.check(CreateSquadDto, body)) return;
    setSaving(true);
    try {
      const squad = await createSquad(body);
      errors.clear();
      showSuccess('已组建');
      void Taro.navigateTo({ url: `/pages/manage/squad/index?id=${squad.id}` });
      setName('');
      setLeader(undefined);
      setCodes([]);
    } catch (error) {
      errors.take(error);
      showError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <StaffPage className='squads'>
      <ScopePicker title='地区（组建时即为小分队所在地区）' onChange={setPlace} />
      <View className='squads__layout'>
        <View className='squads__list'>
          <SectionTitle>{place ? `${place.name}的小分队` : '管辖范围内的小分队'}</SectionTitle>
          <PageState loading={squads.loading && !squads.data} error={squads.error} onRetry={() => void squads.reload()}>
            {squads.data && squads.data.items.length === 0 && <Hint>这里还没有小分队。</Hint>}
            {squads.data && squads.data.items.length > 0 && (
              <View className='manage-table squads__table'>
                <View className='manage-table__head'>
                  <Text>名称</Text>
                  <Text>地区</Text>
                  <Text>负责人</Text>
                  <Text>成员</Text>
                  <Text>服务项目</Text>
                </View>
                {squads.data.items.map((s) => (
                  <SquadRow key={s.id} squad={s} categoryName={categoryName} />
                ))}
              </View>
            )}
          </PageState>
        </View>

        {mayCreate && (
          <View className='squads__create'>
            <SectionTitle>组建小分队</SectionTitle>
            <StaffForm className='squads__form'>
              <FormLabel>所在地区</FormLabel>
              <Text className='squads__place'>{place ? place.name : '请先在上方选择地区'}</Text>
              <FieldError errors={errors} field='regionId' />

              <FormLabel>名称</FormLabel>
              <Input className='manage-kit__input squads__name-input' value={name} maxLength={60} placeholder='如：北城社区红色帮帮团' onChange={setName} />
              <FieldError errors={errors} field='name' />

              <FormLabel>颜色（七彩帮帮团）</FormLabel>
              <Chips className='squads__colors'>
                {TEAM_COLORS.map((c) => (
                  <Chip key={c} on={color === c} onClick={() => setColor(c)}>
                    {TEAM_COLOR_NAMES[c]}
                  </Chip>
                ))}
              </Chips>
              <FieldError errors={errors} field='color' />

              <FormLabel>服务项目</FormLabel>
              <Chips className='squads__categories'>
                {(categories.data?.items ?? []).map((c) => (
                  <Chip key={c.code} on={codes.includes(c.code)} onClick={() => setCodes(toggled(codes, c.code))}>
                    {c.name}
                  </Chip>
                ))}
              </Chips>
              <FieldError errors={errors} field='categories' />

              <FormLabel>负责人（本地区的志愿者或网格员）</FormLabel>
              {leader ? (
                <View className='squads__leader'>
                  <Text>{leader.name}</Text>
                  <Button size='small' onClick={() => setLeader(undefined)}>
                    更换
                  </Button>
                </View>
              ) : (
                <PersonSearch regionId={place?.id} roles={['volunteer', 'grid_worker']} action='选为负责人' onPick={setLeader} />
              )}
              <FieldError errors={errors} field='leaderId' />

              <FormProblem errors={errors} />
              <Button className='squads__submit' type='primary' size='large' block loading={saving} disabled={saving} onClick={() => void create()}>
                组建
              </Button>
            </StaffForm>
          </View>
        )}
      </View>
    </StaffPage>
  );
}
