import { useState } from 'react';
import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button } from '@nutui/nutui-react-taro';
import { APPLICATION_STATUS_NAMES, type ApplicationDto, type RegionDto, type ServiceCategoryDto } from '@bangbang/shared';
import { AppPage, PageState, firstLoad, showError, showSuccess, useLoader, withFeedback } from '../../../components';
import { FormLabel, FormTextArea, StaffForm } from '../../../components/staff-form';
import { applyFor, getRegion, listRegions, listServiceCategories, myApplications, withdrawApplication } from '../../../services/endpoints';
import { currentUser, refreshMe } from '../../../services/session';
import { WEEKDAY_NAMES, slotsWords } from '../../../services/labels';
import '../profile.css';

/** The parts of a day a person may offer (一周中哪几天、每天什么时候有空). */
const PERIODS = [
  { key: 'morning', name: '上午 8–12 点', start: '08:00', end: '12:00' },
  { key: 'afternoon', name: '下午 2–6 点', start: '14:00', end: '18:00' },
  { key: 'evening', name: '晚上 6–9 点', start: '18:00', end: '21:00' },
] as const;

interface Loaded {
  categories: ServiceCategoryDto[];
  /** The latest volunteer application, if any. */
  latest: ApplicationDto | undefined;
  /** Where the person may serve: their place, their community/village, and its grids. */
  areas: RegionDto[];
}

async function load(): Promise<Loaded> {
  const me = await refreshMe();
  const [catalogue, mine, home] = await Promise.all([
    listServiceCategories(),
    myApplications(),
    me.regionId ? getRegion(me.regionId) : Promise.resolve(undefined),
  ]);
  let areas: RegionDto[] = home ? [home] : [];
  if (home?.level === 'grid' && home.parentId) {
    const [community, grids] = await Promise.all([getRegion(home.parentId), listRegions(home.parentId)]);
    areas = [home, community, ...grids.items.filter((g) => g.id !== home.id)];
  }
  return { categories: catalogue.items.filter((c) => c.active), latest: mine.items.find((a) => a.kind === 'volunteer'), areas };
}

/**
 * 我要当志愿者: skills from the catalogue (chips), the area to serve, when one has time, a word about oneself. The
 * grid worker or dispatcher of the person's place approves or declines with a reason; the status and the reason
 * are shown here, and a pending application can be withdrawn.
 */
export default function VolunteerApplication() {
  const data = useLoader(load, [], { refreshOnShow: true });
  const [skills, setSkills] = useState<string[]>([]);
  const [area, setArea] = useState<string>();
  const [days, setDays] = useState<number[]>([]);
  const [periods, setPeriods] = useState<string[]>([]);
  const [note, setNote] = useState('');
  const [sending, setSending] = useState(false);
  const [again, setAgain] = useState(false);

  const toggle = <T,>(list: T[], item: T): T[] => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);
  const isVolunteer = currentUser()?.roles.includes('volunteer') ?? false;
  const latest = data.data?.latest;
  const showForm = !isVolunteer && (latest === undefined || latest.status === 'withdrawn' || again);

  const submit = async () => {
    if (skills.length === 0) {
      void Taro.showToast({ title: '请至少选择一项您能做的服务', icon: 'none' });
      return;
    }
    const availability = days.flatMap((weekday) => PERIODS.filter((p) => periods.includes(p.key)).map((p) => ({ weekday, start: p.start, end: p.end })));
    setSending(true);
    try {
      await applyFor({ kind: 'volunteer', skills, ...(area ? { serviceRegionId: area } : {}), availability, ...(note.trim() ? { note: note.trim() } : {}) });
      showSuccess('申请已提交');
      setAgain(false);
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

  return (
    <AppPage className='profile volunteer-apply'>
      <PageState {...firstLoad(data)}>
        {isVolunteer && (
          <StaffForm>
            <Text className='profile__status'>您已经是志愿者了</Text>
            <Text className='profile__detail'>在「我的」里切换到志愿者身份，就可以上岗接单。</Text>
          </StaffForm>
        )}

        {!isVolunteer && latest && latest.status !== 'withdrawn' && (
          <StaffForm className='volunteer-apply__status'>
            <Text className='profile__status'>{`我的志愿者申请：${APPLICATION_STATUS_NAMES[latest.status]}`}</Text>
            <Text className='profile__detail'>{`技能：${latest.skills.map((c) => data.data?.categories.find((x) => x.code === c)?.name ?? c).join('、')}`}</Text>
            <Text className='profile__detail'>{`有空的时间：${slotsWords(latest.availability, '随时')}`}</Text>
            {latest.status === 'pending' && <Text className='profile__detail'>网格员审核后，您就可以接单了。</Text>}
            {latest.status === 'declined' && <Text className='profile__declined'>{`未通过的原因：${latest.declineReason ?? ''}`}</Text>}
            {latest.status === 'pending' && (
              <Button size='large' block onClick={() => void withdraw(latest.id)}>
                撤回申请
              </Button>
            )}
            {latest.status === 'declined' && !again && (
              <Button type='primary' size='large' block onClick={() => setAgain(true)}>
                重新申请
              </Button>
            )}
          </StaffForm>
        )}

        {showForm && (
          <StaffForm className='volunteer-apply__form'>
            <FormLabel>我能做的服务（可多选）</FormLabel>
            <View className='profile__chips'>
              {(data.data?.categories ?? []).map((c) => (
                <Text
                  key={c.code}
                  className={`profile__chip volunteer-apply__skill ${skills.includes(c.code) ? 'profile__chip--on' : ''}`}
                  onClick={() => setSkills(toggle(skills, c.code))}
                >
                  {c.name}
                </Text>
              ))}
            </View>

            <FormLabel>服务区域</FormLabel>
            <View className='profile__chips'>
              {(data.data?.areas ?? []).map((r, i) => (
                <Text
                  key={r.id}
                  className={`profile__chip ${(area ?? data.data?.areas[0]?.id) === r.id ? 'profile__chip--on' : ''}`}
                  onClick={() => setArea(r.id)}
                >
                  {i === 0 ? `本网格（${r.name}）` : r.level === 'community' ? `整个${r.name}` : r.name}
                </Text>
              ))}
            </View>

            <FormLabel>哪几天有空</FormLabel>
            <View className='profile__chips'>
              {WEEKDAY_NAMES.map((d, i) => (
                <Text key={d} className={`profile__chip ${days.includes(i + 1) ? 'profile__chip--on' : ''}`} onClick={() => setDays(toggle(days, i + 1))}>
                  {d}
                </Text>
              ))}
            </View>
            <FormLabel>什么时候有空</FormLabel>
            <View className='profile__chips'>
              {PERIODS.map((p) => (
                <Text
                  key={p.key}
                  className={`profile__chip ${periods.includes(p.key) ? 'profile__chip--on' : ''}`}
                  onClick={() => setPeriods(toggle(periods, p.key))}
                >
                  {p.name}
                </Text>
              ))}
            </View>
            <Text className='profile__detail'>不选时间表示随时有空（上岗后即可接单）。</Text>

            <FormLabel>介绍一下自己（可不填）</FormLabel>
            <FormTextArea
              className='volunteer-apply__note'
              value={note}
              maxLength={500}
              placeholder='例如：退休教师，会骑电动车，白天有空'
              onChange={setNote}
            />

            <Button className='volunteer-apply__submit' type='primary' size='large' block loading={sending} disabled={sending} onClick={() => void submit()}>
              提交申请
            </Button>
          </StaffForm>
        )}
      </PageState>
    </AppPage>
  );
}
