import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Text, View } from '@tarojs/components';
import { Button, SearchBar } from '@nutui/nutui-react-taro';
import { type RegionDto, type Role, type UserDto } from '@bangbang/shared';
import { errorMessage, useLoader } from '../../../components';
import { useDebounced } from '../../../components/use-debounced';
import { getRegion, listRegions, listUsers } from '../../../services/endpoints';
import { ROLE_NAMES } from '../../../services/roles';
import { useCurrentUser } from '../../../services/session';
import './kit.css';

/**
 * What the management screens of people, squads and rosters share (人员 · 小分队 · 排班值班): chips, a place scope
 * inside the viewer's jurisdiction, and a people search to pick someone from. A form's errors beside its fields are
 * components/field-errors.tsx, as on every management screen.
 */

/** `list` with `x` taken out if it was in, put in if it was not: what tapping a chip of a several-choice field does. */
export function toggled<T>(list: readonly T[], x: T): T[] {
  return list.includes(x) ? list.filter((y) => y !== x) : [...list, x];
}

/** A chip that is on or off (a role, a tag, a skill, a filter). */
export function Chip({ on, onClick, className, children }: { on: boolean; onClick: () => void; className?: string; children: ReactNode }) {
  return (
    <View className={`manage-kit__chip ${on ? 'manage-kit__chip--on' : ''} ${className ?? ''}`} onClick={onClick}>
      {on ? '✓ ' : ''}
      {children}
    </View>
  );
}

export function Chips({ className, children }: { className?: string; children: ReactNode }) {
  return <View className={`manage-kit__chips ${className ?? ''}`}>{children}</View>;
}

/** A link to another screen, as a row of buttons at the top of a page shows it. */
export function LinkBar({ children }: { children: ReactNode }) {
  return <View className='manage-kit__links'>{children}</View>;
}

/**
 * A place inside the viewer's jurisdiction, browsed down from their own (an admin of the whole tree starts at the
 * cities): the place reached is the one chosen; 「全部」 goes back to the top.
 */
export function ScopePicker({ onChange, title = '地区' }: { onChange: (place: RegionDto | undefined) => void; title?: string }) {
  const me = useCurrentUser();
  const [trail, setTrail] = useState<RegionDto[]>([]);
  const root = useLoader(async () => (me?.regionId ? getRegion(me.regionId) : undefined), [me?.regionId]);
  const here = trail.at(-1) ?? root.data;
  const children = useLoader(async () => (here?.level === 'grid' ? [] : (await listRegions(here?.id)).items), [here?.id]);
  const reported = useRef<string | undefined>('');
  useEffect(() => {
    if (root.loading) return;
    if (reported.current === here?.id) return;
    reported.current = here?.id;
    onChange(here);
  }, [here?.id, root.loading]);

  return (
    <View className='manage-kit__scope'>
      <Text className='manage-kit__scope-title'>{title}</Text>
      <View className='manage-kit__trail'>
        <Text className='manage-kit__crumb' onClick={() => setTrail([])}>
          {root.data?.name ?? '全部'}
        </Text>
        {trail.map((r, i) => (
          <Text key={r.id} className='manage-kit__crumb' onClick={() => setTrail(trail.slice(0, i + 1))}>
            {` › ${r.name}`}
          </Text>
        ))}
      </View>
      <Chips className='manage-kit__places'>
        {(children.data ?? []).map((r) => (
          <Chip key={r.id} on={false} className='manage-kit__place' onClick={() => setTrail([...trail, r])}>
            {r.name}
          </Chip>
        ))}
      </Chips>
    </View>
  );
}

/**
 * Finds a person of the jurisdiction to pick (a squad's leader or member, a paired cadre): by name or phone, among
 * the roles offered, inside `regionId` when given. `action` is the button beside each one found.
 */
export function PersonSearch({
  regionId,
  roles,
  exclude = [],
  action,
  onPick,
}: {
  regionId?: string;
  roles: readonly Role[];
  exclude?: readonly string[];
  action: string;
  onPick: (person: UserDto) => void | Promise<void>;
}) {
  const [typed, setTyped] = useState('');
  const q = useDebounced(typed, 300);
  const [role, setRole] = useState<Role | undefined>(roles[0]);
  const found = useLoader(
    () => listUsers({ limit: 10, ...(q ? { q } : {}), ...(role ? { role } : {}), ...(regionId ? { regionId } : {}) }),
    [q, role, regionId],
  );
  const people = (found.data?.items ?? []).filter((p) => !exclude.includes(p.id));
  return (
    <View className='manage-kit__search'>
      <SearchBar className='manage-kit__search-box' value={typed} placeholder='输入姓名或手机号' onChange={setTyped} />
      {roles.length > 1 && (
        <Chips>
          {roles.map((r) => (
            <Chip key={r} on={role === r} onClick={() => setRole(r)}>
              {ROLE_NAMES[r]}
            </Chip>
          ))}
        </Chips>
      )}
      {found.error !== undefined && <Text className='field-error field-error--form'>{errorMessage(found.error)}</Text>}
      {found.data && people.length === 0 && <Text className='manage-kit__none'>没有找到符合条件的人员。</Text>}
      {people.map((p) => (
        <View key={p.id} className='manage-kit__found'>
          <View className='manage-kit__found-who'>
            <Text className='manage-kit__found-name'>{p.name}</Text>
            <Text className='manage-kit__found-sub'>
              {p.roles.map((r) => ROLE_NAMES[r]).join('、')}
              {p.phone ? ` · ${p.phone}` : ''}
            </Text>
          </View>
          <Button className='manage-kit__found-pick' size='small' type='primary' onClick={() => void onPick(p)}>
            {action}
          </Button>
        </View>
      ))}
    </View>
  );
}
