import { useEffect, useRef, useState } from 'react';
import Taro, { useRouter } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, Input, Radio, SearchBar } from '@nutui/nutui-react-taro';
import {
  CreateRegionDto,
  DISPATCH_MODES,
  DISPATCH_MODE_NAMES,
  MoveRegionDto,
  REGION_LEVELS,
  SetDispatchModeDto,
  UpdateRegionDto,
  type DispatchMode,
  type RegionDto,
  type RegionHitDto,
  type RegionLevel,
} from '@bangbang/shared';
import { PageState, firstLoad, showSuccess, useLoader } from '../../../components';
import { FieldError, FormProblem, useFieldErrors } from '../../../components/field-errors';
import { FormLabel, StaffForm } from '../../../components/staff-form';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { createRegion, getDispatchMode, getRegion, listRegions, moveRegion, searchRegions, setDispatchMode, updateRegion } from '../../../services/endpoints';
import { isWeapp, useCurrentUser } from '../../../services/session';
import './index.css';

const LEVEL_NAMES: Record<RegionLevel, string> = {
  city: '盟市',
  county: '旗县区',
  town: '苏木乡镇 / 街道',
  community: '嘎查村 / 社区',
  grid: '网格',
};

/** The level a new child of a place gets (a city at the top); undefined under a grid. */
function childLevel(level: RegionLevel | undefined): RegionLevel | undefined {
  return level === undefined ? 'city' : REGION_LEVELS[REGION_LEVELS.indexOf(level) + 1];
}

/** 派单方式 of a place: what applies here and where it comes from; staff who may, change it. */
function DispatchModeForm({ place, editable }: { place: RegionDto; editable: boolean }) {
  const settings = useLoader(async () => {
    const s = await getDispatchMode(place.id);
    const from = s.inheritedFrom !== null && s.inheritedFrom !== place.id ? await getRegion(s.inheritedFrom) : undefined;
    return { ...s, fromName: from?.name };
  }, [place.id]);
  const [choice, setChoice] = useState<DispatchMode | 'inherit'>('inherit');
  const [saving, setSaving] = useState(false);
  const form = useFieldErrors({ mode: '派单方式' });
  useEffect(() => {
    if (settings.data) setChoice(settings.data.mode ?? 'inherit');
  }, [settings.data]);

  const save = async () => {
    const body = { mode: choice === 'inherit' ? null : choice };
    if (!form.check(SetDispatchModeDto, body)) return;
    setSaving(true);
    try {
      await setDispatchMode(place.id, body.mode);
      showSuccess('已保存');
      form.clear();
      await settings.reload();
    } catch (error) {
      form.take(error);
    } finally {
      setSaving(false);
    }
  };

  const s = settings.data;
  const source = s === undefined ? '' : s.mode !== null ? '本地区的设置' : s.fromName !== undefined ? `随上级「${s.fromName}」` : '默认（上级都没有设置）';
  return (
    <StaffForm className='manage-places__mode'>
      <FormLabel>派单方式</FormLabel>
      <PageState {...firstLoad(settings)}>
        {s && (
          <Text className='manage-places__mode-now'>
            现在：{DISPATCH_MODE_NAMES[s.effectiveMode]}（{source}）
          </Text>
        )}
        {editable && (
          <>
            <Radio.Group
              className='staff-choice manage-places__modes'
              value={choice}
              direction='vertical'
              onChange={(v) => setChoice(v as DispatchMode | 'inherit')}
            >
              <Radio value='inherit'>随上级</Radio>
              {DISPATCH_MODES.map((m) => (
                <Radio key={m} value={m} className={`manage-places__mode-${m}`}>
                  {DISPATCH_MODE_NAMES[m]}
                </Radio>
              ))}
            </Radio.Group>
            <FieldError errors={form} field='mode' />
            <Hint>只影响之后的新需求；下级地区没有自己的设置时随本地区。</Hint>
            <FormProblem errors={form} />
            <Button className='manage-places__mode-save' type='primary' block loading={saving} disabled={saving} onClick={() => void save()}>
              保存派单方式
            </Button>
          </>
        )}
      </PageState>
    </StaffForm>
  );
}

/** 改名 and 中心点: the name residents look for, the point 「使用我的位置」 measures from. */
function PlaceForm({ place, onSaved }: { place: RegionDto; onSaved: (p: RegionDto) => void }) {
  const [name, setName] = useState(place.name);
  const [lat, setLat] = useState(place.center ? String(place.center.lat) : '');
  const [lng, setLng] = useState(place.center ? String(place.center.lng) : '');
  const [saving, setSaving] = useState(false);
  const form = useFieldErrors({ name: '名称', center: '中心点' });
  useEffect(() => {
    setName(place.name);
    setLat(place.center ? String(place.center.lat) : '');
    setLng(place.center ? String(place.center.lng) : '');
    form.clear();
    // a different place (or the same one saved): start from what it is now
  }, [place]);

  const pickOnMap = async () => {
    // process.env.TARO_ENV itself: the H5 build then drops this call, and with it Taro's H5 map picker, a page
    // from apis.map.qq.com (outside the deployment; tests/miniapp/no-outside-assets.test.ts)
    if (process.env.TARO_ENV !== 'weapp') return;
    try {
      const picked = await Taro.chooseLocation({});
      setLat(picked.latitude.toFixed(6));
      setLng(picked.longitude.toFixed(6));
    } catch {
      // closed the map without choosing
    }
  };

  const save = async (clearCentre = false) => {
    const body: { name?: string; center?: { lat: number; lng: number } | null } = {};
    if (name.trim() !== place.name) body.name = name.trim();
    if (clearCentre) body.center = null;
    else if (lat.trim() !== '' || lng.trim() !== '') {
      // numbers only: an empty or wrong box goes to the DTO as it is and is named there
      const asNumber = (t: string): unknown => (t.trim() === '' || Number.isNaN(Number(t)) ? t : Number(t));
      const center = { lat: asNumber(lat), lng: asNumber(lng) } as { lat: number; lng: number };
      if (!place.center || center.lat !== place.center.lat || center.lng !== place.center.lng) body.center = center;
    }
    if (Object.keys(body).length === 0) {
      void Taro.showToast({ title: '没有要保存的修改', icon: 'none' });
      return;
    }
    if (!form.check(UpdateRegionDto, body)) return;
    setSaving(true);
    try {
      const saved = await updateRegion(place.id, body);
      showSuccess('已保存');
      onSaved(saved);
    } catch (error) {
      form.take(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <StaffForm className='manage-places__edit'>
      <FormLabel>名称</FormLabel>
      <Input className='manage-places__input manage-places__name' value={name} maxLength={100} onChange={setName} />
      <FieldError errors={form} field='name' />
      <FormLabel>中心点（纬度、经度）</FormLabel>
      <View className='manage-places__centre'>
        <Input className='manage-places__input manage-places__lat' type='digit' value={lat} placeholder='纬度，如 40.7512' onChange={setLat} />
        <Input className='manage-places__input manage-places__lng' type='digit' value={lng} placeholder='经度，如 107.4012' onChange={setLng} />
      </View>
      <FieldError errors={form} field='center' />
      {isWeapp && (
        <Button className='manage-places__map' block onClick={() => void pickOnMap()}>
          在地图上选点
        </Button>
      )}
      <Hint>居民「使用我的位置」时，按网格中心点找最近的网格。</Hint>
      <FormProblem errors={form} />
      <View className='manage-places__buttons'>
        <Button className='manage-places__save' type='primary' loading={saving} disabled={saving} onClick={() => void save()}>
          保存
        </Button>
        {place.center && (
          <Button className='manage-places__clear' disabled={saving} onClick={() => void save(true)}>
            清除中心点
          </Button>
        )}
      </View>
    </StaffForm>
  );
}

/** 新增下级: a town under a county, a grid under a community … */
function AddChildForm({ parent, onAdded }: { parent: RegionDto | undefined; onAdded: () => void }) {
  const level = childLevel(parent?.level);
  const [name, setName] = useState('');
  const [saving, setSaving] = useState(false);
  const form = useFieldErrors({ name: '名称', level: '级别', parentId: '上级地区' });
  useEffect(() => {
    setName('');
    form.clear();
  }, [parent?.id]);
  if (level === undefined) return null;

  const add = async () => {
    const body = { name: name.trim(), level, ...(parent ? { parentId: parent.id } : {}) };
    if (!form.check(CreateRegionDto, body)) return;
    setSaving(true);
    try {
      const created = await createRegion(body);
      showSuccess(`已新增${created.name}`);
      setName('');
      onAdded();
    } catch (error) {
      form.take(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <StaffForm className='manage-places__add'>
      <FormLabel>
        新增{LEVEL_NAMES[level]}
        {parent ? `（在「${parent.name}」下）` : ''}
      </FormLabel>
      <Input
        className='manage-places__input manage-places__new-name'
        value={name}
        maxLength={100}
        placeholder={`${LEVEL_NAMES[level]}名称`}
        onChange={setName}
      />
      <FieldError errors={form} field='name' />
      <FieldError errors={form} field='parentId' />
      <FormProblem errors={form} />
      <Button className='manage-places__add-submit' type='primary' block loading={saving} disabled={saving} onClick={() => void add()}>
        新增
      </Button>
    </StaffForm>
  );
}

/** 网格调整: a grid goes to another community with its people, squads and orders. */
function MoveForm({ grid, onMoved }: { grid: RegionDto; onMoved: (summary: string) => void }) {
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<RegionHitDto[]>();
  const [target, setTarget] = useState<RegionHitDto>();
  const [saving, setSaving] = useState(false);
  const form = useFieldErrors({ parentId: '要移到的社区' });
  const typing = useRef<ReturnType<typeof setTimeout>>();

  const search = (text: string) => {
    setQ(text);
    clearTimeout(typing.current);
    if (text.trim() === '') {
      setHits(undefined);
      return;
    }
    typing.current = setTimeout(() => {
      searchRegions(text.trim(), 20).then(
        (answer) => setHits(answer.items.filter((h) => h.level === 'community' && h.id !== grid.parentId)),
        (error: unknown) => form.take(error),
      );
    }, 300);
  };

  const move = async () => {
    const body = { parentId: target?.id ?? '' };
    if (!form.check(MoveRegionDto, body) || !target) return;
    const { confirm } = await Taro.showModal({
      title: '移动网格',
      content: `把「${grid.name}」连同其中的居民、志愿者、小分队和需求移到「${target.name}」？`,
      confirmText: '移动',
      cancelText: '取消',
    });
    if (!confirm) return;
    setSaving(true);
    try {
      const r = await moveRegion(grid.id, target.id);
      onMoved(
        `「${r.region.name}」已从「${r.from.name}」移到「${r.to.name}」：${r.people} 人、${r.orders} 条需求（未完成 ${r.openOrders} 条）随网格移动` +
          (r.squadMembershipsEnded > 0 ? `，${r.squadMembershipsEnded} 人退出了原社区的小分队。` : '。'),
      );
    } catch (error) {
      form.take(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <StaffForm className='manage-places__move'>
      <FormLabel>移到另一个社区 / 嘎查村</FormLabel>
      <Hint>网格中的人员、小分队、排班和需求一起移动，此后由新社区管辖。</Hint>
      <SearchBar className='manage-places__move-search' value={q} placeholder='输入社区或嘎查村名称' onChange={search} />
      {hits?.length === 0 && <Hint>没有找到这个名称的社区或嘎查村。</Hint>}
      {hits?.map((h) => (
        <View
          key={h.id}
          className={`manage-places__hit ${target?.id === h.id ? 'manage-places__hit--picked' : ''}`}
          onClick={() => {
            setTarget(h);
            form.clear();
          }}
        >
          {target?.id === h.id ? '✓ ' : ''}
          {h.label}
        </View>
      ))}
      <FieldError errors={form} field='parentId' />
      <FormProblem errors={form} />
      <Button className='manage-places__move-submit' type='primary' block loading={saving} disabled={saving} onClick={() => void move()}>
        {target ? `移到「${target.name}」` : '移动网格'}
      </Button>
    </StaffForm>
  );
}

/**
 * 地区与网格: the place tree under one's jurisdiction, browsed down (盟市 → 旗县区 → 苏木乡镇/街道 → 嘎查村/社区 →
 * 网格). For the place reached: its 派单方式 (admins and dispatchers set it), and for admins its name, centre, a new
 * place under it and — a grid — moving it to another community. On a desktop the list and the forms sit side by side.
 */
export default function Places() {
  const me = useCurrentUser();
  const roles = me?.roles ?? [];
  const isAdmin = roles.includes('admin');
  const mayMode = isAdmin || roles.includes('dispatcher');
  const start = useRouter().params.id ?? me?.regionId ?? undefined;
  // the places entered below the start, for the way back up
  const [trail, setTrail] = useState<RegionDto[]>([]);
  const [moved, setMoved] = useState('');
  const [version, setVersion] = useState(0);

  const view = useLoader(async () => {
    const place = trail.at(-1) ?? (start !== undefined ? await getRegion(start) : undefined);
    const children = (await listRegions(place?.id)).items;
    return { place, children };
  }, [start, trail.at(-1)?.id, version]);

  const place = view.data?.place;
  // the start, then each place entered
  const crumbs = trail.length > 0 ? trail : place ? [place] : [];
  const enter = (child: RegionDto) => {
    setMoved('');
    setTrail([...crumbs, child]);
  };
  const replaceHere = (p: RegionDto) => setTrail([...crumbs.slice(0, -1), p]);

  return (
    <StaffPage className='manage-places'>
      <SectionTitle>地区与网格</SectionTitle>
      <View className='manage-places__trail'>
        {start === undefined && (
          <Text className='manage-places__crumb' onClick={() => setTrail([])}>
            全部
          </Text>
        )}
        {crumbs.map((p, i) => (
          <Text key={p.id} className='manage-places__crumb' onClick={() => setTrail(crumbs.slice(0, i + 1))}>
            {start === undefined || i > 0 ? ' › ' : ''}
            {p.name}
          </Text>
        ))}
      </View>
      {moved !== '' && <Text className='manage-places__moved'>{moved}</Text>}

      <PageState {...firstLoad(view)}>
        <View className='staff-columns manage-places__columns'>
          <View className='manage-places__list'>
            {place && (
              <View className='manage-places__here'>
                <Text className='manage-places__here-name'>{place.name}</Text>
                <Text className='manage-places__level'>{LEVEL_NAMES[place.level]}</Text>
                <Text className='manage-places__here-centre'>
                  {place.center ? `中心点 ${place.center.lat.toFixed(4)}, ${place.center.lng.toFixed(4)}` : '未设中心点'}
                </Text>
              </View>
            )}
            <Text className='manage-places__list-title'>
              {childLevel(place?.level) ? `下级${LEVEL_NAMES[childLevel(place?.level)!]}（${view.data?.children.length ?? 0}）` : '网格是最下一级'}
            </Text>
            {view.data?.children.map((c) => (
              <View key={c.id} className='manage-places__child' onClick={() => enter(c)}>
                <Text className='manage-places__child-name'>{c.name}</Text>
                <Text className='manage-places__child-meta'>
                  {LEVEL_NAMES[c.level]}
                  {c.center ? '' : ' · 未设中心点'} ›
                </Text>
              </View>
            ))}
          </View>

          <View className='manage-places__forms'>
            {place && mayMode && <DispatchModeForm place={place} editable={mayMode} />}
            {place && isAdmin && <PlaceForm place={place} onSaved={replaceHere} />}
            {isAdmin && (place !== undefined || me?.regionId === null) && <AddChildForm parent={place} onAdded={() => setVersion(version + 1)} />}
            {place?.level === 'grid' && isAdmin && (
              <MoveForm
                grid={place}
                onMoved={(summary) => {
                  setMoved(summary);
                  // the grid's ancestors changed: start again from the top of one's jurisdiction
                  setTrail([]);
                  setVersion(version + 1);
                }}
              />
            )}
            {!isAdmin && <Hint>地区的新增、改名、中心点和网格调整由管理员设置。</Hint>}
          </View>
        </View>
      </PageState>
    </StaffPage>
  );
}
