import { useState } from 'react';
import Taro, { usePullDownRefresh, useRouter } from '@tarojs/taro';
import { Text, View } from '@tarojs/components';
import { TabPane, Tabs } from '@nutui/nutui-react-taro';
import { AUDIT_ACTION_NAMES, EXPORT_KIND_NAMES, type AccessExportDto, type AccessLogEntryDto, type AuditEntryDto, type ListLogQuery } from '@bangbang/shared';
import { LoadMore, PageState, firstLoad, usePagedLoader } from '../../../components';
import { Section, StaffPage } from '../../../components/staff-page';
import { beijingToday } from '../../../components/period-picker';
import { listAccessLog, listAudit } from '../../../services/endpoints';
import './index.css';

const DAY = 24 * 3600_000;

const KINDS: ReadonlyArray<{ key: 'audit' | 'access'; title: string }> = [
  { key: 'audit', title: '修改记录' },
  { key: 'access', title: '查看记录' },
];

const PERIODS: ReadonlyArray<{ key: string; title: string; days: number | null }> = [
  { key: '1', title: '今天', days: 1 },
  { key: '7', title: '近 7 天', days: 7 },
  { key: '30', title: '近 30 天', days: 30 },
  { key: 'all', title: '全部', days: null },
];

const FIELD_NAMES: Record<string, string> = { phone: '手机号', address: '详细地址' };

/** Why the viewer could see someone in full, in words (server/src/modules/access/privacy.ts, and 导出台账). */
const REASON_NAMES: Record<string, string> = {
  self: '本人',
  jurisdiction: '在其管辖范围内',
  accepted_order: '承接了这位居民的需求',
  family: '家属',
  export: '导出台账',
  project_claim: '认领了其组织的项目',
  visit: '负责走访这户',
};

/** An export's period as Beijing days: 「2026-11-01 至 2026-11-30」 (`to` is exclusive). */
function exportPeriod(x: AccessExportDto): string | undefined {
  if (x.from === null || x.to === null) return undefined;
  return `${beijingToday(new Date(x.from))} 至 ${beijingToday(new Date(Date.parse(x.to) - 1))}`;
}

/** One export in 查看记录: which ledger, of which place and period, how many rows, by whom. */
function ExportEntry({ e, x, onViewer }: { e: AccessLogEntryDto; x: AccessExportDto; onViewer: () => void }) {
  const period = exportPeriod(x);
  return (
    <View className='audit-entry audit-entry--export'>
      <View className='audit-entry__head'>
        <Text className='audit-entry__what'>导出了{EXPORT_KIND_NAMES[x.kind] ?? x.kind}</Text>
        <Text className='audit-entry__at'>{when(e.at)}</Text>
      </View>
      <Text className='audit-entry__line'>
        导出人：
        <Text className='audit-entry__link' onClick={onViewer}>
          {e.viewerName}
        </Text>
      </Text>
      <Text className='audit-entry__line'>地区：{x.regionId === null ? '管辖的全部地区' : (x.regionName ?? '已删除的地区')}</Text>
      {period !== undefined && <Text className='audit-entry__line'>时段：{period}</Text>}
      <Text className='audit-entry__line'>
        {`${x.rows} 行，${x.format === 'csv' ? 'CSV' : 'Excel'}`}
        {x.complete ? '' : '（下载中途停止）'}
      </Text>
    </View>
  );
}

/** A filter in force: by whom (the actor) or about whom/what (the subject), with the name shown for it. */
interface PickedFilter {
  id: string;
  label: string;
}

function when(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getMonth() + 1}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** before → after, one line per changed field. */
function changeLines(e: AuditEntryDto): string[] {
  const keys = [...new Set([...Object.keys(e.before ?? {}), ...Object.keys(e.after ?? {})])];
  const show = (v: unknown) => (v === undefined ? '—' : JSON.stringify(v));
  return keys.map((k) => `${k}：${show(e.before?.[k])} → ${show(e.after?.[k])}`);
}

/**
 * 审计记录 (admins): every change to people, roles, places, squads, the catalogue and dispatch settings, and who saw
 * whose full phone or address — by period; tapping a person filters by them (as the one who acted, or as the subject).
 * Reached from 我的 for admins; `?subjectId=…&subjectName=…` opens it filtered.
 */
export default function AuditLog() {
  const router = useRouter();
  const [kind, setKind] = useState<'audit' | 'access'>('audit');
  const [period, setPeriod] = useState('7');
  const [actor, setActor] = useState<PickedFilter | null>(null);
  const [subject, setSubject] = useState<PickedFilter | null>(
    router.params.subjectId ? { id: router.params.subjectId, label: decodeURIComponent(router.params.subjectName ?? router.params.subjectId) } : null,
  );
  const days = PERIODS.find((p) => p.key === period)?.days ?? null;

  const query = (cursor?: string): ListLogQuery => ({
    ...(actor ? { actorId: actor.id } : {}),
    ...(subject ? { subjectId: subject.id } : {}),
    ...(days === null ? {} : { from: new Date(Date.now() - days * DAY).toISOString() }),
    ...(cursor === undefined ? {} : { cursor }),
  });
  const audit = usePagedLoader<AuditEntryDto>(
    (cursor) => (kind === 'audit' ? listAudit(query(cursor)) : Promise.resolve({ items: [], nextCursor: null })),
    [kind, days, actor?.id, subject?.id],
  );
  const access = usePagedLoader<AccessLogEntryDto>(
    (cursor) => (kind === 'access' ? listAccessLog(query(cursor)) : Promise.resolve({ items: [], nextCursor: null })),
    [kind, days, actor?.id, subject?.id],
  );
  const list = kind === 'audit' ? audit : access;

  usePullDownRefresh(() => {
    void list.reload().finally(() => Taro.stopPullDownRefresh());
  });

  const empty = list.data !== undefined && list.data.items.length === 0;
  return (
    <StaffPage className='audit-log'>
      <Tabs value={kind} onChange={(v) => setKind(v === 'access' ? 'access' : 'audit')} activeType='line'>
        {KINDS.map((k) => (
          <TabPane key={k.key} value={k.key} title={k.title} />
        ))}
      </Tabs>
      <Section>
        <Tabs value={period} onChange={(v) => setPeriod(String(v))} activeType='simple'>
          {PERIODS.map((p) => (
            <TabPane key={p.key} value={p.key} title={p.title} />
          ))}
        </Tabs>
      </Section>
      {(actor || subject) && (
        <View className='audit-log__filters'>
          {actor && (
            <Text className='audit-log__filter audit-log__filter--actor' onClick={() => setActor(null)}>
              操作人：{actor.label} ✕
            </Text>
          )}
          {subject && (
            <Text className='audit-log__filter audit-log__filter--subject' onClick={() => setSubject(null)}>
              对象：{subject.label} ✕
            </Text>
          )}
        </View>
      )}
      <PageState {...firstLoad(list)} empty={empty} emptyText='这段时间没有记录'>
        {kind === 'audit'
          ? (audit.data?.items ?? []).map((e) => (
              <View key={e.id} className='audit-entry'>
                <View className='audit-entry__head'>
                  <Text className='audit-entry__what'>{AUDIT_ACTION_NAMES[e.action] ?? e.action}</Text>
                  <Text className='audit-entry__at'>{when(e.at)}</Text>
                </View>
                <Text className='audit-entry__line'>
                  操作人：
                  {e.actorId ? (
                    <Text className='audit-entry__link' onClick={() => setActor({ id: e.actorId!, label: e.actorName ?? e.actorId! })}>
                      {e.actorName ?? e.actorId}
                    </Text>
                  ) : (
                    '命令行'
                  )}
                  {e.ip ? `（${e.ip}）` : ''}
                </Text>
                <Text className='audit-entry__line'>
                  对象：
                  <Text className='audit-entry__link' onClick={() => setSubject({ id: e.subjectId, label: e.subjectName ?? e.subjectId })}>
                    {e.subjectName ?? e.subjectId}
                  </Text>
                </Text>
                {changeLines(e).map((line) => (
                  <Text key={line} className='audit-entry__change'>
                    {line}
                  </Text>
                ))}
              </View>
            ))
          : (access.data?.items ?? []).map((e) =>
              e.export !== null ? (
                <ExportEntry key={e.id} e={e} x={e.export} onViewer={() => setActor({ id: e.viewerId, label: e.viewerName })} />
              ) : (
                <View key={e.id} className='audit-entry'>
                  <View className='audit-entry__head'>
                    <Text className='audit-entry__what'>查看了{e.fields.map((f) => FIELD_NAMES[f] ?? f).join('、')}</Text>
                    <Text className='audit-entry__at'>{when(e.at)}</Text>
                  </View>
                  <Text className='audit-entry__line'>
                    查看人：
                    <Text className='audit-entry__link' onClick={() => setActor({ id: e.viewerId, label: e.viewerName })}>
                      {e.viewerName}
                    </Text>
                  </Text>
                  <Text className='audit-entry__line'>
                    被查看人：
                    <Text className='audit-entry__link' onClick={() => e.subjectId && setSubject({ id: e.subjectId, label: e.subjectName ?? e.subjectId })}>
                      {e.subjectName ?? '—'}
                    </Text>
                  </Text>
                  <Text className='audit-entry__line'>原因：{REASON_NAMES[e.reason] ?? e.reason}</Text>
                </View>
              ),
            )}
        {kind === 'audit' ? <LoadMore list={audit} /> : <LoadMore list={access} />}
      </PageState>
    </StaffPage>
  );
}
