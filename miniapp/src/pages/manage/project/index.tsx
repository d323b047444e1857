import { useEffect, useState } from 'react';
import Taro, { useRouter } from '@tarojs/taro';
import { Picker, Text, View } from '@tarojs/components';
import { Button, Input } from '@nutui/nutui-react-taro';
import {
  CLAIM_STATUS_NAMES,
  CreateProjectDto,
  PROJECT_STATUS_NAMES,
  UpdateProjectDto,
  type ProjectClaimDto,
  type ProjectDto,
  type ProjectStatus,
} from '@bangbang/shared';
import { DetailCard, DetailRow, PageState, firstLoad, showError, showSuccess, useLoader } from '../../../components';
import { FieldError, FormProblem, useFieldErrors } from '../../../components/field-errors';
import { FormLabel, FormTextArea, StaffForm } from '../../../components/staff-form';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { confirmProjectAttendance, createProject, getProject, listServiceCategories, updateProject } from '../../../services/endpoints';
import { Chip, Chips, toggled } from '../people/kit';
import './index.css';

const HOUR = 3_600_000;
const pad = (n: number) => String(n).padStart(2, '0');

/** A time as Beijing's date and hh:mm (the form's pickers). */
function beijingParts(iso: string): { date: string; time: string } {
  const d = new Date(Date.parse(iso) + 8 * HOUR);
  return { date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`, time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` };
}

/** The pickers' Beijing date and time as the API's time with its offset. */
const isoOf = (date: string, time: string) => `${date}T${time}:00+08:00`;

/** A number typed in a box; anything else goes to the DTO as typed, which names the field. */
function num(text: string): number {
  const t = text.trim();
  return (/^\d+(\.\d+)?$/.test(t) ? Number(t) : t) as number;
}

interface Draft {
  title: string;
  description: string;
  address: string;
  /** The first day, and the last (the same for a project of one day; later for 助农抢收 over several days). */
  date: string;
  endDate: string;
  start: string;
  end: string;
  places: string;
  hours: string;
  pointsBase: string;
  pointsPerHour: string;
  skills: string[];
}

function draftOf(p: ProjectDto): Draft {
  const s = beijingParts(p.startsAt);
  const e = beijingParts(p.endsAt);
  return {
    title: p.title,
    description: p.description,
    address: p.address,
    date: s.date,
    endDate: e.date,
    start: s.time,
    end: e.time,
    places: String(p.places),
    hours: String(p.hours),
    pointsBase: String(p.pointsBase),
    pointsPerHour: String(p.pointsPerHour),
    skills: p.skills,
  };
}

/** A new project starts tomorrow morning: 09:00–12:00, 5 places, 3 hours. */
function blank(title: string, description: string): Draft {
  const tomorrow = beijingParts(new Date(Date.now() + 24 * HOUR).toISOString()).date;
  return {
    title,
    description,
    address: '',
    date: tomorrow,
    endDate: tomorrow,
    start: '09:00',
    end: '12:00',
    places: '5',
    hours: '3',
    pointsBase: '10',
    pointsPerHour: '5',
    skills: [],
  };
}

/** Which status changes an organiser is offered (the server allows the same). */
const MOVES: Record<ProjectStatus, Array<{ to: ProjectStatus; label: string }>> = {
  draft: [
    { to: 'published', label: '发布（开始招募）' },
    { to: 'cancelled', label: '取消项目' },
  ],
  published: [
    { to: 'closed', label: '结束招募' },
    { to: 'cancelled', label: '取消项目' },
  ],
  closed: [{ to: 'published', label: '重新招募' }],
  cancelled: [],
};

function ClaimRow({ claim, hours, onConfirm }: { claim: ProjectClaimDto; hours: number; onConfirm: (attended: boolean, hours?: number) => void }) {
  const [h, setH] = useState(String(hours));
  return (
    <View className='manage-project__claim'>
      <Text>{`${claim.person.name}${claim.person.phone ? ` · ${claim.person.phone}` : ''} · ${CLAIM_STATUS_NAMES[claim.status]}`}</Text>
      {claim.status === 'attended' && <Hint>{`记 ${claim.hours ?? 0} 小时，${claim.points ?? 0} 积分`}</Hint>}
      {claim.status === 'claimed' && (
        <View className='manage-project__claim-actions'>
          <Input className='manage-project__input manage-project__hours' type='digit' value={h} onChange={setH} />
          <Text>小时</Text>
          <Button className='manage-project__attended' size='small' type='primary' onClick={() => onConfirm(true, num(h))}>
            已参加
          </Button>
          <Button className='manage-project__absent' size='small' onClick={() => onConfirm(false)}>
            未到
          </Button>
        </View>
      )}
    </View>
  );
}

/**
 * 项目 (the organiser's): a new project of a community (`?regionId=&regionName=`), possibly made from a resident's
 * demand (`&orderId=&orderText=`: 转为项目 — the demand closes and each links to the other), or an existing one
 * (`?id=`): edit, publish, close or cancel it, and confirm each claim's attendance with its hours.
 */
export default function ManageProject() {
  const params = useRouter().params;
  const id = params.id;
  const orderId = params.orderId;
  const project = useLoader(async () => (id ? getProject(id) : undefined), [id], { refreshOnShow: true });
  const categories = useLoader(() => listServiceCategories(), []);
  const [d, setD] = useState<Draft>(() => blank('', params.orderText ? decodeURIComponent(params.orderText) : ''));
  const [saving, setSaving] = useState(false);
  const form = useFieldErrors({
    title: '项目名称',
    description: '说明',
    address: '地点',
    startsAt: '开始时间',
    endsAt: '结束时间',
    places: '名额',
    hours: '每次记时长',
    pointsBase: '基础积分',
    pointsPerHour: '每小时积分',
    skills: '需要的技能',
    status: '状态',
    regionId: '社区/村',
    sourceOrderIds: '转为项目的需求',
  });
  useEffect(() => {
    if (project.data) setD(draftOf(project.data));
  }, [project.data?.id]);
  const set = (change: Partial<Draft>) => setD({ ...d, ...change });
  const p = project.data;

  const fields = () => ({
    title: d.title.trim(),
    description: d.description.trim(),
    address: d.address.trim(),
    startsAt: isoOf(d.date, d.start),
    endsAt: isoOf(d.endDate, d.end),
    places: num(d.places),
    hours: num(d.hours),
    pointsBase: num(d.pointsBase),
    pointsPerHour: num(d.pointsPerHour),
    skills: d.skills,
  });

  const save = async (status?: ProjectStatus) => {
    setSaving(true);
    try {
      if (p) {
        const patch = { ...fields(), ...(status ? { status } : {}) };
        if (!form.check(UpdateProjectDto, patch)) return;
        project.setData(await updateProject(p.id, patch));
        showSuccess(status ? PROJECT_STATUS_NAMES[status] : '已保存');
      } else {
        const body = {
          regionId: params.regionId ?? '',
          ...fields(),
          status: status === 'published' ? ('published' as const) : ('draft' as const),
          ...(orderId ? { sourceOrderIds: [orderId] } : {}),
        };
        if (!form.check(CreateProjectDto, body)) return;
        const created = await createProject(body);
        showSuccess(status === 'published' ? '已发布' : '已保存草稿');
        void Taro.redirectTo({ url: `/pages/manage/project/index?id=${created.id}` });
      }
      form.clear();
    } catch (error) {
      form.take(error);
    } finally {
      setSaving(false);
    }
  };

  const confirm = async (claim: ProjectClaimDto, attended: boolean, hours?: number) => {
    if (!p) return;
    try {
      project.setData(await confirmProjectAttendance(p.id, claim.id, attended ? { attended, hours } : { attended }));
      showSuccess(attended ? '已确认参加' : '已记为未到');
    } catch (error) {
      showError(error);
    }
  };

  const community = p?.community.name ?? (params.regionName ? decodeURIComponent(params.regionName) : '');
  const editable = !p || p.actions.includes('edit');
  return (
    <StaffPage className='manage-project'>
      <SectionTitle>{p ? p.title : orderId ? `把居民需求转为${community}的项目` : `发布${community}的项目`}</SectionTitle>
      <PageState {...firstLoad(project)} empty={id !== undefined && !p && !project.loading} emptyText='没有这个项目'>
        <View className='manage-project__layout'>
          <StaffForm className='manage-project__form'>
            {p && <Hint>{`${community} · ${PROJECT_STATUS_NAMES[p.status]} · 认领 ${p.claimed}/${p.places}`}</Hint>}
            {orderId && !p && <Hint>发布后这个需求随之关闭（时间线写明已转为社区项目），项目里可以看到它。</Hint>}
            <FieldError errors={form} field='regionId' />
            <FieldError errors={form} field='sourceOrderIds' />

            <FormLabel>项目名称</FormLabel>
            <Input
              className='manage-project__input manage-project__title'
              value={d.title}
              maxLength={60}
              placeholder='如：楼道路灯更换'
              onChange={(v) => set({ title: v })}
            />
            <FieldError errors={form} field='title' />

            <FormLabel>说明</FormLabel>
            <FormTextArea className='manage-project__description' value={d.description} maxLength={1000} onChange={(v) => set({ description: v })} />
            <FieldError errors={form} field='description' />

            <FormLabel>地点</FormLabel>
            <Input
              className='manage-project__input manage-project__address'
              value={d.address}
              maxLength={200}
              placeholder='如：3 号楼至 8 号楼'
              onChange={(v) => set({ address: v })}
            />
            <FieldError errors={form} field='address' />

            <FormLabel>时间（跨几天的项目，结束选后面的日期）</FormLabel>
            <View className='manage-project__when'>
              <Text>从</Text>
              <Picker
                mode='date'
                value={d.date}
                // a later first day moves the last day with it (a project does not end before it starts)
                onChange={(e) => {
                  const date = String(e.detail.value);
                  set({ date, endDate: d.endDate < date || d.endDate === d.date ? date : d.endDate });
                }}
              >
                <Text className='manage-project__picker manage-project__date'>{d.date}</Text>
              </Picker>
              <Picker mode='time' value={d.start} onChange={(e) => set({ start: String(e.detail.value) })}>
                <Text className='manage-project__picker manage-project__start'>{d.start}</Text>
              </Picker>
            </View>
            <View className='manage-project__when'>
              <Text>至</Text>
              <Picker mode='date' value={d.endDate} start={d.date} onChange={(e) => set({ endDate: String(e.detail.value) })}>
                <Text className='manage-project__picker manage-project__end-date'>{d.endDate}</Text>
              </Picker>
              <Picker mode='time' value={d.end} onChange={(e) => set({ end: String(e.detail.value) })}>
                <Text className='manage-project__picker manage-project__end'>{d.end}</Text>
              </Picker>
            </View>
            <FieldError errors={form} field='startsAt' />
            <FieldError errors={form} field='endsAt' />

            <View className='manage-project__numbers'>
              <View>
                <FormLabel>名额（人）</FormLabel>
                <Input className='manage-project__input manage-project__places' type='number' value={d.places} onChange={(v) => set({ places: v })} />
                <FieldError errors={form} field='places' />
              </View>
              <View>
                <FormLabel>每次记时长（小时）</FormLabel>
                <Input className='manage-project__input manage-project__credit' type='digit' value={d.hours} onChange={(v) => set({ hours: v })} />
                <FieldError errors={form} field='hours' />
              </View>
              <View>
                <FormLabel>基础积分</FormLabel>
                <Input
                  className='manage-project__input manage-project__points-base'
                  type='number'
                  value={d.pointsBase}
                  onChange={(v) => set({ pointsBase: v })}
                />
                <FieldError errors={form} field='pointsBase' />
              </View>
              <View>
                <FormLabel>每小时积分</FormLabel>
                <Input
                  className='manage-project__input manage-project__points-hour'
                  type='number'
                  value={d.pointsPerHour}
                  onChange={(v) => set({ pointsPerHour: v })}
                />
                <FieldError errors={form} field='pointsPerHour' />
              </View>
            </View>

            <FormLabel>需要的技能（可不选）</FormLabel>
            <Chips className='manage-project__skills'>
              {(categories.data?.items ?? []).map((c) => (
                <Chip key={c.code} on={d.skills.includes(c.code)} onClick={() => set({ skills: toggled(d.skills, c.code) })}>
                  {c.name}
                </Chip>
              ))}
            </Chips>
            <FieldError errors={form} field='skills' />

            <FormProblem errors={form} />
            {editable && (
              <View className='manage-project__buttons'>
                {!p && (
                  <>
                    <Button className='manage-project__publish' type='primary' loading={saving} disabled={saving} onClick={() => void save('published')}>
                      发布
                    </Button>
                    <Button className='manage-project__draft' disabled={saving} onClick={() => void save()}>
                      保存草稿
                    </Button>
                  </>
                )}
                {p && p.status !== 'cancelled' && (
                  <Button className='manage-project__save' type='primary' loading={saving} disabled={saving} onClick={() => void save()}>
                    保存修改
                  </Button>
                )}
                {p &&
                  MOVES[p.status].map((m) => (
                    <Button key={m.to} className={`manage-project__to-${m.to}`} disabled={saving} onClick={() => void save(m.to)}>
                      {m.label}
                    </Button>
                  ))}
              </View>
            )}
          </StaffForm>

          {p && (
            <View className='manage-project__side'>
              {p.sourceOrders.length > 0 && (
                <>
                  <SectionTitle>由居民需求转来</SectionTitle>
                  <DetailCard>
                    {p.sourceOrders.map((o) => (
                      <View
                        key={o.id}
                        className='manage-project__source'
                        onClick={() => void Taro.navigateTo({ url: `/pages/dispatch/order/index?id=${o.id}` })}
                      >
                        <DetailRow label={o.categoryName}>{`${o.residentName}：${o.description}`}</DetailRow>
                      </View>
                    ))}
                  </DetailCard>
                </>
              )}
              <SectionTitle>{`认领（${p.claimed}/${p.places}）`}</SectionTitle>
              <StaffForm className='manage-project__claims'>
                {(p.claims ?? []).length === 0 && <Hint>还没有人认领。</Hint>}
                {(p.claims ?? []).map((c) => (
                  <ClaimRow key={c.id} claim={c} hours={p.hours} onConfirm={(attended, hours) => void confirm(c, attended, hours)} />
                ))}
              </StaffForm>
            </View>
          )}
        </View>
      </PageState>
    </StaffPage>
  );
}
