import { useState } from 'react';
import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Input } from '@nutui/nutui-react-taro';
import { PROJECT_STATUS_NAMES, RegisterPartyMemberDto, type RegionDto, type UserDto } from '@bangbang/shared';
import { PageState, firstLoad, showSuccess, useLoader } from '../../../components';
import { FieldError, FormProblem, useFieldErrors } from '../../../components/field-errors';
import { FormLabel, StaffForm } from '../../../components/staff-form';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { getRegion, listPartyRegistrations, registerPartyMemberFor, threeLists } from '../../../services/endpoints';
import { useCurrentUser } from '../../../services/session';
import { projectWhen } from '../../../services/project-labels';
import { PersonSearch, ScopePicker } from '../people/kit';
import './index.css';

/** The community a picked place belongs to: itself, or a grid's parent; none above a community. */
async function communityOf(place: RegionDto | undefined): Promise<RegionDto | undefined> {
  if (place?.level === 'community') return place;
  if (place?.level === 'grid' && place.parentId) return getRegion(place.parentId);
  return undefined;
}

/**
 * 为他人登记双报到 (staff): a person of the jurisdiction found by name or phone, their workplace and party
 * organisation, registered with this community. Checked by the DTO the server checks with; its answer beside the field.
 */
function RegisterSomeone({ community, onDone }: { community: RegionDto; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [person, setPerson] = useState<UserDto>();
  const [workplace, setWorkplace] = useState('');
  const [org, setOrg] = useState('');
  const [saving, setSaving] = useState(false);
  const form = useFieldErrors({ communityId: '社区/村', workplace: '工作单位', workplacePartyOrg: '单位党组织' });
  const save = async () => {
    if (!person) return;
    const body = { communityId: community.id, workplace: workplace.trim(), ...(org.trim() ? { workplacePartyOrg: org.trim() } : {}) };
    if (!form.check(RegisterPartyMemberDto, body)) return;
    setSaving(true);
    try {
      await registerPartyMemberFor(person.id, body);
      form.clear();
      showSuccess(`已为${person.name}登记双报到`);
      setPerson(undefined);
      setWorkplace('');
      setOrg('');
      onDone();
    } catch (error) {
      form.take(error);
    } finally {
      setSaving(false);
    }
  };
  if (!open) {
    return (
      <Button className='three-lists__register-open' size='small' fill='outline' onClick={() => setOpen(true)}>
        为他人登记双报到
      </Button>
    );
  }
  return (
    <StaffForm className='three-lists__register'>
      <FormLabel>为他人登记双报到</FormLabel>
      {person ? (
        <>
          <Text className='three-lists__title'>{person.name}</Text>
          <FormLabel>工作单位</FormLabel>
          <Input className='three-lists__input three-lists__workplace' value={workplace} maxLength={100} onChange={setWorkplace} />
          <FieldError errors={form} field='workplace' />
          <FormLabel>单位党组织（可不填）</FormLabel>
          <Input className='three-lists__input three-lists__org' value={org} maxLength={100} onChange={setOrg} />
          <FieldError errors={form} field='workplacePartyOrg' />
          <FieldError errors={form} field='communityId' />
          <FormProblem errors={form} />
          <Button className='three-lists__register-submit' type='primary' size='small' loading={saving} disabled={saving} onClick={() => void save()}>
            {`登记到${community.name}`}
          </Button>
          <Button size='small' onClick={() => setPerson(undefined)}>
            换一个人
          </Button>
        </>
      ) : (
        <PersonSearch roles={['resident', 'volunteer']} action='选择' onPick={setPerson} />
      )}
    </StaffForm>
  );
}

/**
 * 三张清单 of one community: 需求清单 (the residents' demands now open, by service — the board lists them), 资源清单
 * (volunteers, grid workers, squads, party members and the 在职党员 who reported here through 双报到, by name) and
 * 项目清单 (its projects; organisers publish one here, or from a resident's demand on its order page).
 */
export default function ThreeLists() {
  const me = useCurrentUser();
  const organiser = me?.roles.some((r) => r === 'admin' || r === 'dispatcher') === true;
  const [place, setPlace] = useState<RegionDto>();
  const community = useLoader(() => communityOf(place), [place?.id]);
  const c = community.data;
  const lists = useLoader(async () => (c ? threeLists(c.id) : undefined), [c?.id], { refreshOnShow: true });
  const members = useLoader(async () => (c ? (await listPartyRegistrations({ regionId: c.id, limit: 50 })).items : []), [c?.id]);
  const l = lists.data;

  return (
    <StaffPage className='three-lists'>
      <ScopePicker title='社区/村' onChange={setPlace} />
      {!c && !community.loading && <Hint>请在上方选到一个社区/村，查看它的需求清单、资源清单和项目清单。</Hint>}
      {c && (
        <PageState {...firstLoad(lists)}>
          {l && (
            <View className='three-lists__layout'>
              <View>
                <SectionTitle>需求清单</SectionTitle>
                <View className='three-lists__list three-lists__demands'>
                  <View className='three-lists__figures'>
                    <Text>
                      正在办理 <Text className='three-lists__figure'>{l.demands.open}</Text> 件
                    </Text>
                    <Text>
                      超时 <Text className='three-lists__figure'>{l.demands.overdue}</Text> 件
                    </Text>
                  </View>
                  {l.demands.byCategory.map((d) => (
                    <Text key={d.categoryName} className='three-lists__muted'>{`${d.categoryName} ${d.count} 件`}</Text>
                  ))}
                  <Button size='small' fill='outline' onClick={() => void Taro.navigateTo({ url: '/pages/dispatch/board/index' })}>
                    到看板处理
                  </Button>
                </View>
              </View>
              <View>
                <SectionTitle>资源清单</SectionTitle>
                <View className='three-lists__list three-lists__resources'>
                  <View className='three-lists__figures'>
                    <Text>{`志愿者 ${l.resources.volunteers}`}</Text>
                    <Text>{`网格员 ${l.resources.gridWorkers}`}</Text>
                    <Text>{`小分队 ${l.resources.squads}`}</Text>
                    <Text>{`党员 ${l.resources.partyMembers}`}</Text>
                    <Text>{`报到党员 ${l.resources.employedPartyMembers}`}</Text>
                  </View>
                  {(members.data ?? []).map((m) => (
                    <View key={m.id} className='three-lists__row three-lists__member'>
                      <Text className='three-lists__title'>{m.person.name}</Text>
                      <Text className='three-lists__muted'>{`${m.workplace}${m.workplacePartyOrg ? ` · ${m.workplacePartyOrg}` : ''}`}</Text>
                    </View>
                  ))}
                  <RegisterSomeone community={c} onDone={() => void Promise.all([members.reload(), lists.reload()])} />
                </View>
              </View>
              <View>
                <SectionTitle>项目清单</SectionTitle>
                <View className='three-lists__list three-lists__projects'>
                  {organiser && (
                    <Button
                      className='three-lists__new'
                      type='primary'
                      size='small'
                      onClick={() => void Taro.navigateTo({ url: `/pages/manage/project/index?regionId=${c.id}&regionName=${encodeURIComponent(c.name)}` })}
                    >
                      发布项目
                    </Button>
                  )}
                  {l.projects.length === 0 && <Hint>还没有项目。</Hint>}
                  {l.projects.map((p) => (
                    <View
                      key={p.id}
                      className='three-lists__row three-lists__project'
                      onClick={() => void Taro.navigateTo({ url: `/pages/manage/project/index?id=${p.id}` })}
                    >
                      <Text className='three-lists__title'>{p.title}</Text>
                      <Text className='three-lists__muted'>{`${PROJECT_STATUS_NAMES[p.status]} · ${projectWhen(p)} · 认领 ${p.claimed}/${p.places}`}</Text>
                    </View>
                  ))}
                </View>
              </View>
            </View>
          )}
        </PageState>
      )}
    </StaffPage>
  );
}
