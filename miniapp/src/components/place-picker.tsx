import { useEffect, useRef, useState } from 'react';
import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, SearchBar } from '@nutui/nutui-react-taro';
import { REGION_LEVELS, type RegionDto, type RegionHitDto, type RegionLevel } from '@bangbang/shared';
import { listRegions, nearestRegions, searchRegions } from '../services/endpoints';
import { errorMessage, showError } from './feedback';
import './place-picker.css';

/** What to ask at each level of the tree, for the children of a place of that level. */
const CHILD_PROMPT: Record<RegionLevel | 'root', string> = {
  root: '请选择盟市',
  city: '请选择旗县区',
  county: '请选择苏木乡镇 / 街道',
  town: '请选择嘎查村 / 社区',
  community: '请选择网格',
  grid: '',
};

function metres(m: number | null): string {
  if (m === null) return '';
  return m < 1000 ? `约 ${m} 米` : `约 ${(m / 1000).toFixed(1)} 公里`;
}

/** A place picked in the cascade, as a search would have answered it. */
function hitOf(trail: readonly RegionDto[], place: RegionDto): RegionHitDto {
  const pathNames = [...trail.map((r) => r.name), place.name];
  const pathIds = [...trail.map((r) => r.id), place.id];
  return { id: place.id, level: place.level, name: place.name, pathNames, pathIds, label: pathNames.join(' › '), selectable: true, distanceMeters: null };
}

/**
 * Finding one's place (所属网格), three ways: down the tree (旗县 → 苏木乡镇/街道 → 嘎查村/社区 → 网格), by name, or
 * 「使用我的位置」 (the nearest grids). A grid is picked; so is a community/village that has no grids.
 */
export function PlacePicker({
  picked,
  onPick,
  anyLevel = false,
}: {
  picked?: RegionHitDto;
  onPick: (hit: RegionHitDto | undefined) => void;
  /** Any place may be picked (a town, a county: statistics and exports), not only where a person can live. */
  anyLevel?: boolean;
}) {
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<{ items: RegionHitDto[]; title: string; bySearch: boolean }>();
  const [trail, setTrail] = useState<RegionDto[]>([]);
  const [children, setChildren] = useState<RegionDto[]>();
  const [problem, setProblem] = useState('');
  const [locating, setLocating] = useState(false);
  const typing = useRef<ReturnType<typeof setTimeout>>();

  const parent = trail.at(-1);

  // the children of the place reached in the cascade (the cities at first; one city is entered by itself)
  useEffect(() => {
    let live = true;
    setChildren(undefined);
    listRegions(parent?.id).then(
      (page) => {
        if (!live) return;
        if (parent === undefined && page.items.length === 1) setTrail([page.items[0]!]);
        else setChildren(page.items);
      },
      (error: unknown) => live && setProblem(errorMessage(error)),
    );
    return () => {
      live = false;
    };
  }, [parent]);

  // search as the name is typed, once the typing pauses
  useEffect(() => {
    clearTimeout(typing.current);
    const text = q.trim();
    if (text === '') {
      setHits((h) => (h?.bySearch ? undefined : h));
      return;
    }
    typing.current = setTimeout(() => {
      searchRegions(text).then(
        (res) => setHits({ items: res.items, title: `“${text}”的搜索结果`, bySearch: true }),
        (error: unknown) => showError(error),
      );
    }, 400);
    return () => clearTimeout(typing.current);
  }, [q]);

  const useMyLocation = async () => {
    setLocating(true);
    try {
      let point: { latitude: number; longitude: number };
      try {
        point = await Taro.getLocation({ type: 'gcj02' });
      } catch {
        void Taro.showToast({ title: '没有取得您的位置，请搜索或逐级选择', icon: 'none', duration: 3000 });
        return;
      }
      const res = await nearestRegions(point.latitude, point.longitude);
      setHits({ items: res.items, title: '离您最近的网格', bySearch: false });
    } catch (error) {
      showError(error);
    } finally {
      setLocating(false);
    }
  };

  /** A place that cannot be picked itself (a community with grids, a town): the tree opens there, below the hits. */
  const openAt = (h: RegionHitDto) => {
    setTrail(
      h.pathIds.map((id, i) => ({ id, name: h.pathNames[i] ?? '', level: REGION_LEVELS[i] ?? 'grid', parentId: h.pathIds[i - 1] ?? null, center: null })),
    );
    setHits(undefined);
    setQ('');
  };

  const enter = (place: RegionDto) => {
    if (place.level === 'grid') {
      onPick(hitOf(trail, place));
      return;
    }
    setTrail([...trail, place]);
  };

  if (picked) {
    return (
      <View className='place-picker place-picker--picked'>
        <Text className='place-picker__label'>已选择</Text>
        <Text className='place-picker__picked'>{picked.label}</Text>
        <Button className='place-picker__again' size='large' block onClick={() => onPick(undefined)}>
          重新选择
        </Button>
      </View>
    );
  }

  return (
    <View className='place-picker'>
      <SearchBar className='place-picker__search' value={q} placeholder='输入社区、村或网格的名字' onChange={(v) => setQ(v)} />
      <Button className='place-picker__locate' size='large' block loading={locating} onClick={() => void useMyLocation()}>
        使用我的位置
      </Button>

      {hits && (
        <View className='place-picker__hits'>
          <Text className='place-picker__title'>{hits.title}</Text>
          {hits.items.length === 0 && <Text className='place-picker__none'>没有找到，请换个名字或在下面逐级选择。</Text>}
          {hits.items.map((h) => (
            <View
              key={h.id}
              className={`place-picker__hit ${h.selectable ? '' : 'place-picker__hit--open'}`}
              onClick={() => (h.selectable || anyLevel ? onPick(h) : openAt(h))}
            >
              <Text className='place-picker__hit-name'>{h.name}</Text>
              <Text className='place-picker__hit-path'>{h.label}</Text>
              {!h.selectable && !anyLevel && <Text className='place-picker__hit-open'>点此查看下属网格 ›</Text>}
              {h.distanceMeters !== null && <Text className='place-picker__hit-distance'>{metres(h.distanceMeters)}</Text>}
            </View>
          ))}
        </View>
      )}

      <View className='place-picker__cascade'>
        <View className='place-picker__trail'>
          <Text className='place-picker__crumb' onClick={() => setTrail([])}>
            全部
          </Text>
          {trail.map((r, i) => (
            <Text key={r.id} className='place-picker__crumb' onClick={() => setTrail(trail.slice(0, i + 1))}>
              {` › ${r.name}`}
            </Text>
          ))}
        </View>
        <Text className='place-picker__title'>{CHILD_PROMPT[parent?.level ?? 'root']}</Text>
        {anyLevel && parent && (
          <Button className='place-picker__this' type='primary' size='large' block onClick={() => onPick(hitOf(trail.slice(0, -1), parent))}>
            {`选择「${parent.name}」`}
          </Button>
        )}
        {problem !== '' && <Text className='place-picker__none'>{problem}</Text>}
        {children === undefined && problem === '' && <Text className='place-picker__none'>加载中…</Text>}
        {!anyLevel && children !== undefined && children.length === 0 && parent?.level === 'community' && (
          <Button className='place-picker__this' type='primary' size='large' block onClick={() => onPick(hitOf(trail.slice(0, -1), parent))}>
            {`${parent.name}没有划分网格，就选这里`}
          </Button>
        )}
        {children !== undefined && children.length === 0 && parent?.level !== 'community' && <Text className='place-picker__none'>这里还没有下级地区。</Text>}
        <View className='place-picker__chips'>
          {(children ?? []).map((r) => (
            <View key={r.id} className='place-picker__chip' onClick={() => enter(r)}>
              <Text>{r.name}</Text>
            </View>
          ))}
        </View>
      </View>
    </View>
  );
}
