import { useEffect, useState } from 'react';
import Taro, { usePullDownRefresh } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { Dialog, TabPane, Tabs } from '@nutui/nutui-react-taro';
import type { BatchDispatchResultDto, ListOrdersQuery, OrderDto } from '@bangbang/shared';
import { LoadMore, PageState, firstLoad, showError, showSuccess, useLiveReload, useLoader, usePagedLoader } from '../../../components';
import { Section, StaffPage } from '../../../components/staff-page';
import { MissedVisitsFlag } from '../../../components/missed-visits-flag';
import { MeNavButton, NavButton, StaffHero, StaffNav } from '../../../components/staff-hero';
import { ReasonTags, StaffOrderCard, byUrgencyOfAttention } from '../../../components/staff-order-card';
import { batchDispatch, getRegion, listOrders } from '../../../services/endpoints';
import { ROLE_NAMES, servesTasks } from '../../../services/roles';
import { currentRole, isWeapp, useCurrentUser } from '../../../services/session';
import { askFor, preloadSubscriptions } from '../../../services/subscribe';
import './index.css';

type Query = Pick<ListOrdersQuery, 'status' | 'actionable'>;

/**
 * The board's tabs. 「待我派单」 are the waiting orders that have reached my level (三级联动: a dispatcher of the
 * banner sees a grid's order here once it has escalated to the banner); 「待接单」 are all waiting orders of my
 * jurisdiction, each of which I may also dispatch at once (越级派单, on its timeline).
 */
const TABS: ReadonlyArray<{ key: string; title: string; query: Query }> = [
  { key: 'mine', title: '待我派单', query: { status: 'pending', actionable: 'true' } },
  { key: 'pending', title: '待接单', query: { status: 'pending' } },
  { key: 'dispatched', title: '已派单', query: { status: 'dispatched' } },
  { key: 'accepted', title: '已接单', query: { status: 'accepted' } },
  { key: 'in_service', title: '服务中', query: { status: 'in_service' } },
  { key: 'completed', title: '待确认', query: { status: 'completed' } },
  { key: 'closed', title: '已完成', query: { status: 'closed' } },
  { key: 'cancelled', title: '已取消', query: { status: 'cancelled' } },
];

const PAGE_SIZE = 30;

/**
 * 派单台 (网格员 / 社区 / 街道 / 旗): the orders of my jurisdiction by status, overdue and escalated first;
 * 「一键派单」 sends every waiting order of my place to the best people at once (the engine's optimal batch).
 */
export default function DispatchBoard() {
  const me = useCurrentUser();
  const role = currentRole();
  const [tab, setTab] = useState('mine');
  const query = TABS.find((t) => t.key === tab)?.query ?? {};
  const list = usePagedLoader((cursor) => listOrders({ ...query, limit: PAGE_SIZE, cursor }), [tab], { refreshOnShow: true });
  const regionId = me?.regionId ?? null;
  const region = useLoader(() => (regionId === null ? Promise.resolve(null) : getRegion(regionId)), [regionId]);
  const [batching, setBatching] = useState(false);
  const [result, setResult] = useState<BatchDispatchResultDto>();
  // what each order of a batch was, for the result dialog (the answer names orders by id only)
  const [batchNames, setBatchNames] = useState<Record<string, string>>({});

  usePullDownRefresh(() => {
    void list.reload().finally(() => Taro.stopPullDownRefresh());
  });

  // WeChat subscription messages (新需求 / 升级 / 无人可派) reach staff with the app closed; the ask needs a tap
  useEffect(() => void preloadSubscriptions(), []);
  const subscribe = async () => {
    const accepted = await askFor(['staff.new_order', 'staff.escalated', 'staff.unmatched']);
    if (accepted > 0) showSuccess('已开启提醒');
    else void Taro.showToast({ title: '未开启微信提醒，可在「我的 → 消息设置」中再开启', icon: 'none', duration: 3000 });
  };
  // a new order in my jurisdiction, an escalation, an accept: the board follows without a reload
  useLiveReload(() => void list.reload());

  const regionName = region.data?.name ?? '';

  const runBatch = async () => {
    if (regionId === null) return;
    const { confirm } = await Taro.showModal({
      title: '一键派单',
      content: `把${regionName || '本辖区'}所有待派的需求一次派给最合适的志愿者，确定吗？`,
      confirmText: '派单',
      cancelText: '取消',
    });
    if (!confirm) return;
    setBatching(true);
    try {
      // names for the result: every waiting or dispatched order of my jurisdiction, as far as one page of each shows them
      const none = { items: [] as OrderDto[] };
      const [waiting, dispatched] = await Promise.all([
        listOrders({ status: 'pending', limit: 100 }).catch(() => none),
        listOrders({ status: 'dispatched', limit: 100 }).catch(() => none),
      ]);
      const answer = await batchDispatch(regionId);
      setBatchNames(Object.fromEntries([...waiting.items, ...dispatched.items].map((o) => [o.id, `${o.categoryName} · ${o.resident.name}`])));
      setResult(answer);
      void list.reload();
    } catch (error) {
      showError(error);
    } finally {
      setBatching(false);
    }
  };

  const items = [...(list.data?.items ?? [])].sort((a, b) => byUrgencyOfAttention(a, b));
  const takesTasks = servesTasks(me?.roles ?? []);

  return (
    <StaffPage className='dispatch-board'>
      <StaffHero
        name={me?.name ?? ''}
        sub={
          <>
            {ROLE_NAMES[role]}
            {regionName ? ` · ${regionName}` : ''}
          </>
        }
      />

      <StaffNav>
        {regionId !== null && (
          <NavButton className='dispatch-board__batch' type='primary' loading={batching} disabled={batching} onClick={() => void runBatch()}>
            一键派单
          </NavButton>
        )}
        <NavButton className='dispatch-board__proxy' onClick={() => void Taro.navigateTo({ url: '/pages/dispatch/proxy-order/index' })}>
          代居民下单
        </NavButton>
        <NavButton className='dispatch-board__register' onClick={() => void Taro.navigateTo({ url: '/pages/dispatch/register-person/index' })}>
          登记居民
        </NavButton>
        <NavButton className='dispatch-board__stats' onClick={() => void Taro.navigateTo({ url: '/pages/dispatch/stats/index' })}>
          统计
        </NavButton>
        <NavButton className='dispatch-board__applications' onClick={() => void Taro.navigateTo({ url: '/pages/dispatch/applications/index' })}>
          审核申请
        </NavButton>
        <NavButton className='dispatch-board__visits' onClick={() => void Taro.navigateTo({ url: '/pages/visits/index/index' })}>
          我的走访
        </NavButton>
        <NavButton className='dispatch-board__manage' onClick={() => void Taro.navigateTo({ url: '/pages/manage/index/index' })}>
          管理
        </NavButton>
        {takesTasks && (
          <NavButton className='dispatch-board__hall' onClick={() => void Taro.navigateTo({ url: '/pages/volunteer/hall/index' })}>
            任务大厅
          </NavButton>
        )}
        {isWeapp && (
          <NavButton className='dispatch-board__subscribe' onClick={() => void subscribe()}>
            微信提醒
          </NavButton>
        )}
        <MeNavButton />
      </StaffNav>

      <MissedVisitsFlag />

      <Section>
        <Tabs value={tab} onChange={(v) => setTab(String(v))} activeType='line'>
          {TABS.map((t) => (
            <TabPane key={t.key} value={t.key} title={t.title} />
          ))}
        </Tabs>
      </Section>

      <PageState {...firstLoad(list)} empty={list.data !== undefined && items.length === 0} emptyText={tab === 'mine' ? '没有等您派单的需求' : '这里没有需求'}>
        {items.map((order) => (
          <StaffOrderCard key={order.id} order={order} onClick={() => void Taro.navigateTo({ url: `/pages/dispatch/order/index?id=${order.id}` })} />
        ))}
        <LoadMore list={list} />
      </PageState>

      <Dialog
        className='dispatch-board__result'
        visible={result !== undefined}
        title='一键派单结果'
        hideCancelButton
        confirmText='知道了'
        onConfirm={() => setResult(undefined)}
        onClose={() => setResult(undefined)}
      >
        {result && (
          <View className='staff-batch'>
            <Text className='staff-batch__summary'>{result.summary}</Text>
            {result.assigned.map((a) => (
              <View key={a.orderId} className='staff-batch__item'>
                <Text className='staff-batch__order'>
                  {batchNames[a.orderId] ?? '需求'} → {a.assigneeName}
                </Text>
                <ReasonTags reasons={a.reasons.slice(0, 3)} />
              </View>
            ))}
            {[...result.unassigned, ...result.skipped].map((u) => (
              <View key={u.orderId} className='staff-batch__item'>
                <Text className='staff-batch__order'>
                  {batchNames[u.orderId] ?? '需求'}：{u.reason}
                </Text>
              </View>
            ))}
          </View>
        )}
      </Dialog>
    </StaffPage>
  );
}
