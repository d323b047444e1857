import {
  ORDER_STATUS_NAMES,
  type BatchDispatchResultDto,
  type CandidateListDto,
  type DispatchMode,
  type DispatchSettingsDto,
  type MatchWeights,
  type OfferWave,
} from '@bangbang/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../../clock';
import { ConflictError, ForbiddenError, UUID_PATTERN } from '../../errors';
import { covers, isStaff, jurisdictionOf } from '../access/jurisdiction';
import type { Actor } from '../auth/actor';
import { recordAudit, type AuditContext } from '../audit/service';
import { findCandidates } from '../matching/candidates';
import type { OrderRow } from '../orders/order-row';
import { loadViewer } from '../orders/standing';
import { loadVisibleOrder } from '../orders/visibility';
import { regionNotFound, regionOr404 } from '../regions/lookup';
import { autoDispatchLocked, autoDispatchOptions } from './auto-dispatch';
import { batchDispatch } from './batch';
import { dispatchModesUp, setDispatchMode } from './dispatching.repo';

/**
 * Dispatching (派单 by the system and for the people who dispatch): suggestions with reasons, batch dispatch, the
 * places' dispatch settings, and auto-dispatch as the orders service's `onDue`. It sits above orders and matching:
 * it reads orders through the orders module and candidates through matching, never the other way round.
 */
export interface DispatchingDeps {
  db: DataSource;
  clock: Clock;
  config: { matchWeights: MatchWeights; maxActiveTasks: number; autoDispatchAcceptMinutes: number; offerWaves: readonly OfferWave[] };
}

export type DispatchingService = ReturnType<typeof createDispatchingService>;

export function createDispatchingService({ db, clock, config }: DispatchingDeps) {
  const matchOptions = () => ({ weights: config.matchWeights, maxActiveTasks: config.maxActiveTasks });

  /** A place's auto-dispatch setting, and what applies there (its own, the nearest ancestor's, or manual). */
  async function settingsOf(m: EntityManager, regionId: string): Promise<DispatchSettingsDto & { path: string }> {
    const rows = await dispatchModesUp(m, regionId);
    const own = rows[0];
    if (!own || own.id !== regionId) throw regionNotFound();
    const from = rows.find((r) => r.dispatch_mode !== null);
    return { regionId, mode: own.dispatch_mode, effectiveMode: from?.dispatch_mode ?? 'manual', inheritedFrom: from?.id ?? null, path: own.path };
  }

  return {
    /** Auto-dispatch of one order whose row the caller's transaction has locked (the orders service's `onDue`). */
    onDue: (m: EntityManager, o: OrderRow, now: Date): Promise<boolean> => autoDispatchLocked(m, o, autoDispatchOptions({ config }, now)),

    /**
     * 推荐接单人: who could take the order now, best first, with reasons (staff with jurisdiction over it) — to
     * dispatch a waiting order, or to send an accepted one to someone else (撤回改派; those on it are not suggested).
     */
    async candidates(actor: Actor, orderId: string, limit: number): Promise<CandidateListDto> {
      return db.transaction(async (m) => {
        const v = await loadViewer(m, actor, clock(), undefined, { family: false });
        const { o, s } = await loadVisibleOrder(m, v, orderId);
        if (!s.oversees) throw new ForbiddenError('只有有管辖权的工作人员可以查看推荐人选。');
        if (o.status !== 'pending' && o.status !== 'dispatched' && o.status !== 'accepted') {
          throw new ConflictError(`该需求当前为「${ORDER_STATUS_NAMES[o.status]}」，不需要推荐接单人。`);
        }
        return { items: await findCandidates(m, o, { ...matchOptions(), now: v.now, limit }) };
      });
    },

    /** The place's dispatch settings (staff whose jurisdiction covers it). */
    async settings(actor: Actor, regionId: string): Promise<DispatchSettingsDto> {
      if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以查看派单方式。');
      if (!UUID_PATTERN.test(regionId)) throw regionNotFound();
      const { path, ...settings } = await settingsOf(db.manager, regionId);
      if (!covers(jurisdictionOf(actor), path)) throw regionNotFound();
      return settings;
    },

    /** Sets the place's own dispatch mode (admins and dispatchers whose jurisdiction covers it); the places below follow. */
    async setMode(actor: Actor, regionId: string, mode: DispatchMode | null, ctx: AuditContext): Promise<DispatchSettingsDto> {
      if (!actor.roles.includes('admin') && !actor.roles.includes('dispatcher')) throw new ForbiddenError('只有管理员和调度员可以设置派单方式。');
      if (!UUID_PATTERN.test(regionId)) throw regionNotFound();
      return db.transaction(async (m) => {
        const before = await settingsOf(m, regionId);
        if (!covers(jurisdictionOf(actor), before.path)) throw regionNotFound();
        await setDispatchMode(m, { id: regionId, path: before.path }, mode);
        const { path: _path, ...after } = await settingsOf(m, regionId);
        const { path: _p, ...was } = before;
        await recordAudit(m, actor.id, ctx, { action: 'dispatch.set_mode', subjectType: 'region', subjectId: regionId, before: was, after });
        return after;
      });
    },

    /** 批量派单 over a place of the person's jurisdiction. */
    async batch(actor: Actor, regionId: string): Promise<BatchDispatchResultDto> {
      if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以批量派单。');
      return db.transaction(async (m) => {
        const region = await regionOr404(m, regionId, jurisdictionOf(actor));
        const v = await loadViewer(m, actor, clock(), undefined, { family: false });
        return batchDispatch(m, v, regionId, region.path, matchOptions());
      });
    },
  };
}
