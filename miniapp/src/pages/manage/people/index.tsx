import { useState } from 'react';
import Taro from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, SearchBar } from '@nutui/nutui-react-taro';
import { LEDGER_TAGS, LEDGER_TAG_NAMES, ROLES, type LedgerTag, type RegionDto, type Role, type UserDto } from '@bangbang/shared';
import { LoadMore, PageState, usePagedLoader } from '../../../components';
import { useDebounced } from '../../../components/use-debounced';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { StaffTag } from '../../../components/staff-order-card';
import { listUsers } from '../../../services/endpoints';
import { ROLE_NAMES } from '../../../services/roles';
import { Chip, Chips, LinkBar, ScopePicker } from './kit';
import './index.css';

const go = (url: string) => void Taro.navigateTo({ url });

/** One person of the list: a card on a phone, a row of the table at a desk. */
function PersonRow({ person }: { person: UserDto }) {
  return (
    <View className='manage-table__row people__row' onClick={() => go(`/pages/manage/person/index?id=${person.id}`)}>
      <Text className='manage-table__cell manage-table__cell--main people__name'>{person.name}</Text>
      <Text className='manage-table__cell'>{person.roles.map((r) => ROLE_NAMES[r]).join('、')}</Text>
      <Text className='manage-table__cell'>{person.phone ?? person.landline ?? '没有电话'}</Text>
      <Text className='manage-table__cell manage-table__cell--muted'>{person.address ?? '—'}</Text>
      <View className='manage-table__cell people__tags'>
        {person.tags.map((t) => (
          <StaffTag key={t} color='red'>
            {LEDGER_TAG_NAMES[t]}
          </StaffTag>
        ))}
      </View>
    </View>
  );
}

/**
 * 人员: the people of the viewer's jurisdiction — found by name or phone, by role, by ledger tag (重点人员台账: 独居,
 * 低保…) and by place, a page at a time. A person opens their screen (details, roles, roster); 登记居民 and the
 * volunteer applications are one tap away.
 */
export default function People() {
  const [typed, setTyped] = useState('');
  const q = useDebounced(typed, 300);
  const [role, setRole] = useState<Role>();
  const [tag, setTag] = useState<LedgerTag>();
  const [place, setPlace] = useState<RegionDto>();

  const people = usePagedLoader(
    (cursor) =>
      listUsers({
        limit: 20,
        ...(cursor ? { cursor } : {}),
        ...(q ? { q } : {}),
        ...(role ? { role } : {}),
        ...(tag ? { tag } : {}),
        ...(place ? { regionId: place.id } : {}),
      }),
    [q, role, tag, place?.id],
    { refreshOnShow: true },
  );

  return (
    <StaffPage className='people'>
      <LinkBar>
        <Button className='people__register' type='primary' onClick={() => go('/pages/dispatch/register-person/index')}>
          + 登记居民
        </Button>
        <Button onClick={() => go('/pages/dispatch/applications/index')}>志愿者申请</Button>
        <Button onClick={() => go('/pages/manage/squads/index')}>小分队</Button>
        <Button onClick={() => go('/pages/manage/rosters/index')}>排班值班</Button>
      </LinkBar>
      <View className='people__filters'>
        <ScopePicker onChange={setPlace} />
        <View className='people__filter-card'>
          <SearchBar className='people__search' value={typed} placeholder='姓名或手机号' onChange={setTyped} />
          <Text className='people__filter-title'>角色</Text>
          <Chips className='people__roles'>
            <Chip on={role === undefined} onClick={() => setRole(undefined)}>
              全部
            </Chip>
            {ROLES.map((r) => (
              <Chip key={r} on={role === r} onClick={() => setRole(r)}>
                {ROLE_NAMES[r]}
              </Chip>
            ))}
          </Chips>
          <Text className='people__filter-title'>台账标签</Text>
          <Chips className='people__tag-filter'>
            <Chip on={tag === undefined} onClick={() => setTag(undefined)}>
              全部
            </Chip>
            {LEDGER_TAGS.map((t) => (
              <Chip key={t} on={tag === t} onClick={() => setTag(t)}>
                {LEDGER_TAG_NAMES[t]}
              </Chip>
            ))}
          </Chips>
        </View>
      </View>
      <SectionTitle>{place ? `${place.name}的人员` : '管辖范围内的人员'}</SectionTitle>
      <PageState loading={people.loading && !people.data} error={people.error} onRetry={() => void people.reload()}>
        {people.data && people.data.items.length === 0 && <Hint>没有符合条件的人员。</Hint>}
        {people.data && people.data.items.length > 0 && (
          <View className='manage-table people__table'>
            <View className='manage-table__head'>
              <Text>姓名</Text>
              <Text>角色</Text>
              <Text>电话</Text>
              <Text>地址</Text>
              <Text>台账标签</Text>
            </View>
            {people.data.items.map((p) => (
              <PersonRow key={p.id} person={p} />
            ))}
          </View>
        )}
        <LoadMore list={people} />
      </PageState>
    </StaffPage>
  );
}
