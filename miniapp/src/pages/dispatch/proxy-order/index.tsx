import { useEffect, useRef, useState } from 'react';
import Taro, { useRouter } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Button, InputNumber, Radio, SearchBar } from '@nutui/nutui-react-taro';
import {
  FAMILY_RELATION_NAMES,
  LEDGER_TAG_NAMES,
  ORDER_CHANNEL_NAMES,
  URGENCY_NAMES,
  type OrderChannel,
  type ServiceCategoryDto,
  type Urgency,
  type UserDto,
} from '@bangbang/shared';
import { PageState, firstLoad, showError, showSuccess, useLoader } from '../../../components';
import { Hint, SectionTitle, StaffPage } from '../../../components/staff-page';
import { FormLabel, FormTextArea, StaffForm } from '../../../components/staff-form';
import { StaffTag } from '../../../components/staff-order-card';
import { ServiceTiles } from '../../../components/service-tiles';
import { ApiError } from '../../../services/api';
import { createOrder, getUser, listServiceCategories, listUsers } from '../../../services/endpoints';
import { newIdempotencyKey } from '../../../services/ids';
import './index.css';

/** How a grid worker hears of a need: a phone call, or the resident at the office (上门). */
const PROXY_CHANNELS: readonly OrderChannel[] = ['phone', 'walk_in'];

interface ResidentList {
  items: UserDto[];
  nextCursor: string | null;
}

/** Ledger households (独居、高龄、残疾…) first: they are who 代下单 is for. */
function ledgerFirst(a: UserDto, b: UserDto): number {
  return b.tags.length - a.tags.length;
}

/**
 * 代下单: a grid worker or dispatcher orders for a resident of their jurisdiction (an elderly person without a
 * smartphone who called or came by). Pick the resident from the ledger (search by name or phone; ledger tags
 * shown), pick the service, add a word, send: the order is the resident's, placed by me, with how it reached me.
 */
export default function ProxyOrder() {
  // 「为他/她代下单」 after registering someone: that resident, already chosen
  const { params } = useRouter();
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const residents = useLoader<ResidentList>(() => listUsers({ role: 'resident', limit: 30, ...(search ? { q: search } : {}) }), [search]);
  const categories = useLoader(listServiceCategories, []);
  const [resident, setResident] = useState<UserDto>();
  const [category, setCategory] = useState<ServiceCategoryDto>();
  const [description, setDescription] = useState('');
  const [urgency, setUrgency] = useState<Urgency>('normal');
  const [channel, setChannel] = useState<OrderChannel>('phone');
  const [headcount, setHeadcount] = useState(1);
  const [sending, setSending] = useState(false);
  // one key per order I mean to place: a double tap or a retry gives the same order, never two
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);
  const typing = useRef<ReturnType<typeof setTimeout>>();

  // search as the name or phone is typed, once the typing pauses
  useEffect(() => {
    clearTimeout(typing.current);
    typing.current = setTimeout(() => setSearch(q.trim()), 400);
    return () => clearTimeout(typing.current);
  }, [q]);

  const pick = (person: UserDto) => {
    setResident(person);
    setIdempotencyKey(newIdempotencyKey());
  };

  useEffect(() => {
    if (!params.residentId) return;
    getUser(params.residentId).then(pick, showError);
  }, [params.residentId]);

  /** `allowRepeat`: staff confirmed it is another need of a service the resident already has open (两处不同的维修). */
  const submit = async (allowRepeat = false) => {
    if (!resident || !category) return;
    setSending(true);
    try {
      const order = await createOrder(
        {
          categoryCode: category.code,
          description: description.trim() || category.name,
          urgency,
          residentId: resident.id,
          channel,
          ...(category.multiPerson && headcount > 1 ? { headcount } : {}),
          ...(allowRepeat ? { allowRepeat: true } : {}),
        },
        idempotencyKey,
      );
      showSuccess('已代为下单');
      setIdempotencyKey(newIdempotencyKey());
      void Taro.redirectTo({ url: `/pages/dispatch/order/index?id=${order.id}` });
    } catch (error) {
      const open = error instanceof ApiError && error.code === 'ORDER_REPEATED' ? error.details[0] : undefined;
      if (open?.order) void askRepeat(open.order.id, open.message);
      else showError(error);
    } finally {
      setSending(false);
    }
  };

  /** The resident has this service open already: the same need (查看 it, 催一下 there) or truly another (另下一单)? */
  const askRepeat = async (orderId: string, has: string) => {
    const asked = await Taro.showModal({
      title: '已有同一服务的需求',
      content: `${has}。同一件事请查看那个需求；确是另一件事（如两处不同的维修），可以另下一单。`,
      confirmText: '另下一单',
      cancelText: '查看',
    });
    if (asked.confirm) await submit(true);
    else void Taro.navigateTo({ url: `/pages/dispatch/order/index?id=${orderId}` });
  };

  const people = [...(residents.data?.items ?? [])].sort(ledgerFirst);
  const catalogue = (categories.data?.items ?? []).filter((c) => c.active);

  if (resident) {
    return (
      <StaffPage className='proxy-order'>
        <SectionTitle>为这位居民下单</SectionTitle>
        <ResidentCard person={resident} picked />
        <View className='staff-more'>
          <Button block size='large' onClick={() => setResident(undefined)}>
            换一位居民
          </Button>
        </View>

        <StaffForm>
          <FormLabel>需要什么服务</FormLabel>
          <PageState {...firstLoad(categories)}>
            <ServiceTiles services={catalogue} picked={category?.code} onPick={setCategory} />
          </PageState>

          <FormLabel>具体情况（可不填）</FormLabel>
          <FormTextArea
            className='proxy-order__note'
            value={description}
            maxLength={500}
            placeholder={category ? `例如：${category.name}，需要的时间、注意事项` : '例如：需要的时间、注意事项'}
            onChange={setDescription}
          />

          <FormLabel>紧急程度</FormLabel>
          <Radio.Group className='staff-choice' value={urgency} direction='horizontal' onChange={(v) => setUrgency(v as Urgency)}>
            {(Object.keys(URGENCY_NAMES) as Urgency[]).map((u) => (
              <Radio key={u} value={u} shape='button'>
                {URGENCY_NAMES[u]}
              </Radio>
            ))}
          </Radio.Group>

          <FormLabel>居民怎么联系的</FormLabel>
          <Radio.Group className='staff-choice' value={channel} direction='horizontal' onChange={(v) => setChannel(v as OrderChannel)}>
            {PROXY_CHANNELS.map((c) => (
              <Radio key={c} value={c} shape='button'>
                {c === 'phone' ? '打电话' : '来办公室'}（{ORDER_CHANNEL_NAMES[c]}）
              </Radio>
            ))}
          </Radio.Group>

          {category?.multiPerson && (
            <View>
              <FormLabel>需要几个人</FormLabel>
              <InputNumber value={headcount} min={1} max={50} onChange={(v) => setHeadcount(Number(v) || 1)} />
            </View>
          )}

          <Button
            className='proxy-order__submit'
            type='primary'
            size='large'
            block
            loading={sending}
            disabled={sending || !category}
            onClick={() => void submit()}
          >
            {category ? `提交：${category.name}` : '请先选择服务'}
          </Button>
        </StaffForm>
      </StaffPage>
    );
  }

  return (
    <StaffPage className='proxy-order'>
      <SearchBar
        className='proxy-order__search'
        value={q}
        placeholder='输入居民姓名、手机号或固定电话'
        onChange={(v) => setQ(v)}
        onSearch={(v) => setSearch(v.trim())}
      />
      <Hint>选择要代为下单的居民（重点人员在前）。没有登记过的老人，请先登记。</Hint>
      <View className='staff-more'>
        <Button className='proxy-order__register' block size='large' onClick={() => void Taro.navigateTo({ url: '/pages/dispatch/register-person/index' })}>
          登记新居民（没有手机也可以）
        </Button>
      </View>
      <PageState
        {...firstLoad(residents)}
        empty={residents.data !== undefined && people.length === 0}
        emptyText={search ? `没有找到“${search}”` : '辖区内还没有登记的居民'}
      >
        {people.map((person) => (
          <ResidentCard key={person.id} person={person} onClick={() => pick(person)} />
        ))}
      </PageState>
    </StaffPage>
  );
}

/** A resident of the ledger (台账): name, phone, address and tags (独居老人 …). */
function ResidentCard({ person, picked = false, onClick }: { person: UserDto; picked?: boolean; onClick?: () => void }) {
  return (
    <View className={`staff-person proxy-order__resident ${picked ? 'staff-person--picked' : ''}`} onClick={onClick}>
      <View>
        <Text className='staff-person__name'>{person.name}</Text>
        {person.phone && <Text className='staff-person__phone'>{person.phone}</Text>}
        {!person.phone && person.landline && <Text className='staff-person__phone'>固话 {person.landline}</Text>}
      </View>
      {person.familyContacts.length > 0 && (
        <Text className='staff-person__address'>
          家属：{person.familyContacts.map((f) => `${f.name}（${FAMILY_RELATION_NAMES[f.relation]}）${f.phone}`).join('、')}
        </Text>
      )}
      {person.address && <Text className='staff-person__address'>{person.address}</Text>}
      {person.tags.length > 0 && (
        <View className='staff-person__tags'>
          {person.tags.map((t) => (
            <StaffTag key={t} color='red'>
              {LEDGER_TAG_NAMES[t]}
            </StaffTag>
          ))}
        </View>
      )}
    </View>
  );
}
