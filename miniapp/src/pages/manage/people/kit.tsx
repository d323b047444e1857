import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Text, View } from '@tarojs/components';
import { Button, SearchBar } from '@nutui/nutui-react-taro';
import { validateDto, type ErrorDetail, type RegionDto, type Role, type TeamColor, type UserDto } from '@bangbang/shared';
import { errorMessage, useLoader } from '../../../components';
import { ApiError } from '../../../services/api';
import { getRegion, listRegions, listUsers } from '../../../services/endpoints';
import { ROLE_NAMES } from '../../../services/roles';
import { useCurrentUser } from '../../../services/session';
import './kit.css';

/**
 * What the management screens of people, squads and rosters share (人员 · 小分队 · 排班值班): a form's errors beside
 * its fields, a place picker inside the viewer's jurisdiction, and a people search to pick someone from.
 */

/** The team colours as the squads' dots show them (七彩帮帮团). */
export const TEAM_HEX: Record<TeamColor, string> = {
  red: '#c8102e',
  orange: '#d46b08',
  pink: '#c41d7f',
  purple: '#6d28d9',
  yellow: '#ad8b00',
  green: '#15803d',
  blue: '#1d4ed8',
  other: '#595959',
};

export const WEEKDAY_NAMES = ['周一', '周二', '周三', '周四', '周五', '周六', '周日'] as const;

/** Whether `detail` is about `field` or something inside it (`slots[1].end` is about `slots[1]`). */
function isAbout(detail: string, field: string): boolean {
  return detail === field || detail.startsWith(`${field}.`) || detail.startsWith(`${field}[`);
}

export interface FieldErrors {
  /** The message for a field (and what is inside it), from the shared DTO here or from the server. */
  of: (field: string) => string | undefined;
  /** One line over the buttons: what went wrong, in the form's own words (never a request field's name). */
  summary: string;
  /** Validates `body` with the shared DTO the server uses; false (and the fields marked) when it would be refused. */
  check: <T extends object>(cls: new () => T, body: object) => boolean;
  /** Shows what the server said: its details beside their fields, its sentence when it named none. */
  take: (error: unknown) => void;
  clear: () => void;
}

/**
 * The errors of one form. `labels` names the form's fields in Chinese (`{ name: '姓名' }`), so the summary can say
 * 「姓名：最多 40 个字符」 where the server's sentence would name the field as the request does.
 */
export function useFieldErrors(labels: Record<string, string>): FieldErrors {
  const [details, setDetails] = useState<ErrorDetail[]>([]);
  const [sentence, setSentence] = useState('');
  const show = (list: ErrorDetail[], fallback: string) => {
    setDetails(list);
    setSentence(list.length > 0 ? '' : fallback);
  };
  const labelOf = (field: string) => labels[field.split(/[.[]/)[0] ?? ''] ?? '内容';
  const summary = details.length > 0 ? `请修改标出的内容：${details.map((d) => `${labelOf(d.field)}：${d.message}`).join('；')}` : sentence;
  return {
    of: (field) => details.find((d) => isAbout(d.field, field))?.message,
    summary,
    check: (cls, body) => {
      const result = validateDto(cls, body);
      show(result.ok ? [] : result.details, '');
      return result.ok;
    },
    take: (error) => show(error instanceof ApiError ? error.details.filter((d) => d.field !== 'body') : [], errorMessage(error)),
    clear: () => show([], ''),
  };
}

/** The message beside a field, in red; nothing when the field is fine. */
export function FieldError({ errors, field }: { errors: FieldErrors; field: string }) {
  const message = errors.of(field);
  if (message === undefined) return null;
  return <Text className='manage-kit__field-error'>{message}</Text>;
}

/** The form's summary line over its buttons. */
export function FormProblem({ errors }: { errors: FieldErrors }) {
  if (errors.summary === '') return null;
  return <Text className='manage-kit__problem'>{errors.summary}</Text>;
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
  const [q, setQ] = useState('');
  const [role, setRole] = useState<Role | undefined>(roles[0]);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setQ(typed.trim()), 300);
    return () => clearTimeout(timer.current);
  }, [typed]);
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
      {found.error !== undefined && <Text className='manage-kit__problem'>{errorMessage(found.error)}</Text>}
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
