import { useEffect, useState } from 'react';
import Taro, { useRouter } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Input, Radio, Switch } from '@nutui/nutui-react-taro';
import {
  CreateServiceCategoryDto,
  SERVICE_KINDS,
  SERVICE_KIND_NAMES,
  TEAM_COLORS,
  TEAM_COLOR_NAMES,
  UpdateServiceCategoryDto,
  type ServiceCategoryDto,
  type ServiceKind,
  type TeamColor,
} from '@bangbang/shared';
import { PageState, ServiceIcon, firstLoad, showSuccess, useLoader } from '../../../components';
import { FieldError, FormProblem, useFieldErrors } from '../../../components/field-errors';
import { FormLabel, StaffForm } from '../../../components/staff-form';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { createServiceCategory, listAllServiceCategories, updateServiceCategory } from '../../../services/endpoints';
import { TEAM_COLOR_HEX } from '../../../services/labels';
import './index.css';

/** The icons the tiles can draw (components/service-icon.tsx); another key draws a generic one. */
const ICON_KEYS = [
  'medicine',
  'cart',
  'bowl',
  'syringe',
  'hospital',
  'heart',
  'chat',
  'wrench',
  'house',
  'scale',
  'stethoscope',
  'scissors',
  'wheat',
  'document',
  'shield',
  'phone',
  'music',
] as const;

interface Draft {
  code: string;
  name: string;
  color: TeamColor;
  icon: string;
  kind: ServiceKind;
  normal: string;
  urgent: string;
  multiPerson: boolean;
  sortOrder: string;
  active: boolean;
}

const EMPTY: Draft = {
  code: '',
  name: '',
  color: 'red',
  icon: 'heart',
  kind: 'general',
  normal: '30',
  urgent: '10',
  multiPerson: false,
  sortOrder: '0',
  active: true,
};

function draftOf(c: ServiceCategoryDto): Draft {
  return {
    code: c.code,
    name: c.name,
    color: c.color,
    icon: c.icon,
    kind: c.kind,
    normal: String(c.acceptMinutesNormal),
    urgent: String(c.acceptMinutesUrgent),
    multiPerson: c.multiPerson,
    sortOrder: String(c.sortOrder),
    active: c.active,
  };
}

/** A whole number typed in a box; anything else goes to the DTO as typed, which names the field. */
function int(text: string): number {
  const t = text.trim();
  return (/^-?\d+$/.test(t) ? Number(t) : t) as number;
}

/**
 * One service of the catalogue (admins): a new one, or an existing one by `?code=` (its code never changes — orders
 * refer to it). Checked by the DTO the server checks with, before sending; the server's answer beside its field.
 */
export default function ServiceForm() {
  const code = useRouter().params.code;
  const existing = useLoader(async () => (code ? (await listAllServiceCategories()).items.find((c) => c.code === code) : undefined), [code]);
  const [d, setD] = useState<Draft>(EMPTY);
  const [saving, setSaving] = useState(false);
  const form = useFieldErrors({
    code: '编码',
    name: '名称',
    color: '帮帮团（颜色）',
    icon: '图标',
    kind: '谁可以接',
    acceptMinutesNormal: '普通单接单时限',
    acceptMinutesUrgent: '紧急单接单时限',
    multiPerson: '可能需要多人',
    sortOrder: '排序',
    active: '启用',
  });
  useEffect(() => {
    if (existing.data) setD(draftOf(existing.data));
  }, [existing.data]);
  const set = (change: Partial<Draft>) => setD({ ...d, ...change });

  const save = async () => {
    const fields = {
      name: d.name.trim(),
      color: d.color,
      icon: d.icon.trim(),
      kind: d.kind,
      acceptMinutesNormal: int(d.normal),
      acceptMinutesUrgent: int(d.urgent),
      multiPerson: d.multiPerson,
      sortOrder: int(d.sortOrder),
    };
    setSaving(true);
    try {
      if (existing.data) {
        const before = existing.data;
        const all = { ...fields, active: d.active };
        // only what changed: an unchanged name is not checked against itself, and the audit shows the change
        const patch = Object.fromEntries(Object.entries(all).filter(([k, v]) => before[k as keyof ServiceCategoryDto] !== v));
        if (Object.keys(patch).length === 0) {
          void Taro.showToast({ title: '没有要保存的修改', icon: 'none' });
          return;
        }
        if (!form.check(UpdateServiceCategoryDto, patch)) return;
        await updateServiceCategory(before.code, patch);
      } else {
        const body = { code: d.code.trim(), ...fields };
        if (!form.check(CreateServiceCategoryDto, body)) return;
        await createServiceCategory(body);
      }
      showSuccess('已保存');
      form.clear();
      setTimeout(() => void Taro.navigateBack(), 800);
    } catch (error) {
      form.take(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <StaffPage className='manage-service'>
      <SectionTitle>{code ? '修改服务' : '新增服务'}</SectionTitle>
      <PageState {...firstLoad(existing)} empty={code !== undefined && existing.data === undefined && !existing.loading} emptyText='没有这个服务'>
        <StaffForm>
          <View className='manage-service__preview'>
            <View className='manage-service__tile' style={{ backgroundColor: TEAM_COLOR_HEX[d.color] }}>
              <ServiceIcon icon={d.icon} size={28} />
              <Text className='manage-service__tile-name'>{d.name || '服务名称'}</Text>
            </View>
            <Hint>居民首页上的样子</Hint>
          </View>

          <FormLabel>名称</FormLabel>
          <Input
            className='manage-service__input manage-service__name'
            value={d.name}
            maxLength={40}
            placeholder='如：助浴'
            onChange={(v) => set({ name: v })}
          />
          <FieldError errors={form} field='name' />

          {!code && (
            <>
              <FormLabel>编码（英文小写，新增后不能改）</FormLabel>
              <Input
                className='manage-service__input manage-service__code'
                value={d.code}
                maxLength={40}
                placeholder='如：bath_help'
                onChange={(v) => set({ code: v })}
              />
              <FieldError errors={form} field='code' />
            </>
          )}

          <FormLabel>帮帮团（颜色）</FormLabel>
          <Radio.Group className='staff-choice manage-service__colors' value={d.color} direction='horizontal' onChange={(v) => set({ color: v as TeamColor })}>
            {TEAM_COLORS.map((c) => (
              <Radio key={c} value={c} shape='button' className={`manage-service__color-${c}`}>
                {TEAM_COLOR_NAMES[c]}
              </Radio>
            ))}
          </Radio.Group>
          <FieldError errors={form} field='color' />

          <FormLabel>图标</FormLabel>
          <View className='manage-service__icons'>
            {ICON_KEYS.map((k) => (
              <View
                key={k}
                className={`manage-service__icon ${d.icon === k ? 'manage-service__icon--picked' : ''}`}
                style={d.icon === k ? { backgroundColor: TEAM_COLOR_HEX[d.color] } : {}}
                onClick={() => set({ icon: k })}
              >
                <ServiceIcon icon={k} size={22} color={d.icon === k ? '#ffffff' : '#333333'} />
              </View>
            ))}
          </View>
          <FieldError errors={form} field='icon' />

          <FormLabel>谁可以接</FormLabel>
          <Radio.Group className='staff-choice manage-service__kind' value={d.kind} direction='horizontal' onChange={(v) => set({ kind: v as ServiceKind })}>
            {SERVICE_KINDS.map((k) => (
              <Radio key={k} value={k} shape='button' className={`manage-service__kind-${k}`}>
                {SERVICE_KIND_NAMES[k]}
              </Radio>
            ))}
          </Radio.Group>
          <Hint>需要专长：只派给登记了这项技能的志愿者（送医送药、法律咨询、家电维修…）。</Hint>
          <FieldError errors={form} field='kind' />

          <FormLabel>接单时限（分钟）：普通 / 紧急</FormLabel>
          <View className='manage-service__minutes'>
            <Input className='manage-service__input manage-service__normal' type='number' value={d.normal} onChange={(v) => set({ normal: v })} />
            <Input className='manage-service__input manage-service__urgent' type='number' value={d.urgent} onChange={(v) => set({ urgent: v })} />
          </View>
          <FieldError errors={form} field='acceptMinutesNormal' />
          <FieldError errors={form} field='acceptMinutesUrgent' />

          <View className='manage-service__switch'>
            <Text>可能需要多人（如助农抢收）</Text>
            <Switch checked={d.multiPerson} onChange={(v) => set({ multiPerson: v })} />
          </View>

          <FormLabel>排序（小的在前）</FormLabel>
          <Input className='manage-service__input manage-service__sort' type='number' value={d.sortOrder} onChange={(v) => set({ sortOrder: v })} />
          <FieldError errors={form} field='sortOrder' />

          {code && (
            <View className='manage-service__switch manage-service__active'>
              <Text>启用（停用后居民看不到，已有需求不受影响）</Text>
              <Switch checked={d.active} onChange={(v) => set({ active: v })} />
            </View>
          )}

          <FormProblem errors={form} />
          <Button className='manage-service__submit' type='primary' size='large' block loading={saving} disabled={saving} onClick={() => void save()}>
            保存
          </Button>
        </StaffForm>
      </PageState>
    </StaffPage>
  );
}
