import { randomUUID } from 'node:crypto';
import { PLACE_LEVEL_NAMES, REGION_LEVELS, type CreateRegionDto, type RegionHitDto, type UpdateRegionDto } from '@bangbang/shared';
import type { DataSource } from 'typeorm';
import { ConflictError, NotFoundError, ValidationFailedError, fieldError } from '../../errors';
import { covers, jurisdictionOf } from '../access/jurisdiction';
import { requireRole, type Actor } from '../auth/actor';
import { recordAudit, type AuditContext } from '../audit/service';
import { toRegionDto, type Region } from './region.entity';
import { regionNotFound } from './lookup';
import {
  countPeopleUnder,
  findStrandedLeader,
  leaveSquadsLeftBehind,
  lockPlaces,
  reassignResponsible,
  rewriteDutySpots,
  rewriteOrderPaths,
  rewritePlacePaths,
  type MovePaths,
} from './move.repo';
import {
  findRegion,
  findRegionRecord,
  hasChildNamed,
  insertRegion,
  listChildRegions,
  nearestGrids,
  searchRegions,
  updateRegionRecord,
  type RegionHitRow,
} from './region.repo';

function toHit(r: RegionHitRow): RegionHitDto {
  return {
    id: r.id,
    level: r.level,
    name: r.name,
    pathNames: r.path_names,
    pathIds: r.path_ids,
    label: r.path_names.join(' › '),
    selectable: r.selectable,
    distanceMeters: r.distance === null ? null : Math.round(r.distance),
  };
}

export interface RegionServiceDeps {
  db: DataSource;
}

const ADMINS_ONLY = '只有管理员可以设置地区和网格。';

/** What a move answers: the grid where it now is, the two communities, and what followed it. */
export interface RegionMove {
  region: Region;
  from: Region;
  to: Region;
  people: number;
  orders: number;
  openOrders: number;
  squadMembershipsEnded: number;
}

/**
 * The place tree. Place names and centres are public knowledge (a resident picks their community from them), so
 * any logged-in person may read the tree; only an admin changes it, and only inside their jurisdiction.
 */
export function createRegionService({ db }: RegionServiceDeps) {
  return {
    /** A new place one level below its parent (a city only for an admin without a region); 404 outside their reach. */
    async create(actor: Actor, body: CreateRegionDto, ctx: AuditContext): Promise<Region> {
      requireRole(actor, ['admin'], ADMINS_ONLY);
      return db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        let parent: Region | null = null;
        if (body.level === 'city') {
          if (body.parentId !== undefined) {
            throw fieldError('parentId', '盟市是最高一级，没有上级');
          }
          if (j.kind !== 'everything') throw new NotFoundError('上级地区不存在。');
        } else {
          if (body.parentId === undefined) {
            throw fieldError('parentId', '请选择上级地区');
          }
          parent = await findRegionRecord(m, body.parentId, { lock: true });
          if (!parent || !covers(j, parent.path)) throw new NotFoundError('上级地区不存在。');
          const expected = REGION_LEVELS[REGION_LEVELS.indexOf(parent.level) + 1];
          if (body.level !== expected) {
            throw fieldError('level', expected ? `「${parent.name}」下只能设${PLACE_LEVEL_NAMES[expected]}` : '网格下不能再设下级');
          }
        }
        // same name under the same parent: a clear message here; the unique constraint guards the race (→ 409)
        if (parent && (await hasChildNamed(m, parent.id, body.name))) {
          throw new ConflictError(`「${parent.name}」下已有同名地区：${body.name}。`);
        }
        const id = randomUUID();
        const created = await insertRegion(m, {
          id,
          parentId: parent?.id ?? null,
          level: body.level,
          name: body.name,
          path: `${parent?.path ?? '/'}${id}/`,
          centerLat: body.center?.lat ?? null,
          centerLng: body.center?.lng ?? null,
          // a new place dispatches as its parent does until someone sets its own mode
          effectiveDispatchMode: parent?.effectiveDispatchMode ?? 'manual',
        });
        await recordAudit(m, actor.id, ctx, {
          action: 'region.create',
          subjectType: 'region',
          subjectId: id,
          before: null,
          after: { name: created.name, level: created.level, parentId: created.parentId, path: created.path, center: body.center ?? null },
        });
        return created;
      });
    },

    /** Renames a place or sets (or clears) its centre: an admin whose jurisdiction covers it; a sibling's name is 409. */
    async update(actor: Actor, id: string, body: UpdateRegionDto, ctx: AuditContext): Promise<Region> {
      requireRole(actor, ['admin'], ADMINS_ONLY);
      if (body.name === undefined && body.center === undefined) throw fieldError('name', '请填写新名称或中心点');
      return db.transaction(async (m) => {
        const current = await findRegionRecord(m, id, { lock: true });
        if (!current || !covers(jurisdictionOf(actor), current.path)) throw regionNotFound();
        if (body.name !== undefined && body.name !== current.name && current.parentId !== null && (await hasChildNamed(m, current.parentId, body.name))) {
          throw new ConflictError(`同一上级下已有同名地区：${body.name}。`, [{ field: 'name', message: '同一上级下已有同名地区' }]);
        }
        const updated = await updateRegionRecord(m, id, body);
        const before = toRegionDto(current);
        const after = toRegionDto(updated);
        await recordAudit(m, actor.id, ctx, {
          action: 'region.update',
          subjectType: 'region',
          subjectId: id,
          before: { name: before.name, center: before.center },
          after: { name: after.name, center: after.center },
        });
        return updated;
      });
    },

    /**
     * Moves a grid (网格) under another community or village, with everything that is the grid's: its people keep
     * their grid and now belong to the new community's jurisdiction and area (staff there see and serve them, its
     * volunteers are matched to them and they to its orders), its squads and rosters go with it, its orders — open and
     * past — are listed and counted under the new community (an open order escalated above the grid is now waiting at
     * the new community, town or county), waiting orders get their answerable person under the new place, and the
     * grid's people leave squads above it that no longer cover them. One transaction; audited. Refused: a place that
     * is not a grid, a parent that is not a community, either out of the admin's jurisdiction (404), a name already
     * used in the new community (409), a squad left behind whose leader is in the grid (409: change the leader first).
     */
    async move(actor: Actor, id: string, parentId: string, ctx: AuditContext): Promise<RegionMove> {
      requireRole(actor, ['admin'], ADMINS_ONLY);
      const j = jurisdictionOf(actor);
      const moved = await db.transaction(async (m) => {
        // the grid first (held, its parent cannot change under us), then both communities in id order
        const grid = await findRegionRecord(m, id, { lock: true });
        if (!grid || !covers(j, grid.path)) throw regionNotFound();
        if (grid.level !== 'grid') throw new ValidationFailedError('只有网格可以移到另一个社区或嘎查村。');
        const target = await findRegionRecord(m, parentId);
        if (!target || !covers(j, target.path)) throw new NotFoundError('要移入的社区或嘎查村不存在。');
        if (target.level !== 'community') throw fieldError('parentId', '网格只能移入社区或嘎查村');
        if (target.id === grid.parentId) throw fieldError('parentId', `网格已在「${target.name}」下`);
        await lockPlaces(m, [grid.parentId!, target.id]);
        if (await hasChildNamed(m, target.id, grid.name)) {
          throw new ConflictError(`「${target.name}」下已有同名网格：${grid.name}。请先改名再移动。`, [
            { field: 'parentId', message: '目标社区下已有同名网格' },
          ]);
        }
        const paths: MovePaths = { old: grid.path, next: `${target.path}${grid.id}/` };
        const stranded = await findStrandedLeader(m, paths);
        if (stranded) {
          throw new ConflictError(
            `${stranded.leader_name} 是「${stranded.place_name}」的小分队「${stranded.squad_name}」的负责人，移动后不再属于该地区：请先更换负责人。`,
          );
        }
        const squadMembershipsEnded = await leaveSquadsLeftBehind(m, paths);
        await rewritePlacePaths(m, grid.id, target.id, paths);
        const orders = await rewriteOrderPaths(m, paths);
        await reassignResponsible(m, paths.next);
        await rewriteDutySpots(m, paths);
        const people = await countPeopleUnder(m, paths.next);
        const from = (await findRegionRecord(m, grid.parentId!))!;
        const region = (await findRegionRecord(m, grid.id))!;
        await recordAudit(m, actor.id, ctx, {
          action: 'region.move',
          subjectType: 'region',
          subjectId: grid.id,
          before: { parentId: from.id, parentName: from.name, path: paths.old },
          after: {
            parentId: target.id,
            parentName: target.name,
            path: paths.next,
            people,
            orders: orders.orders,
            openOrders: orders.open,
            squadMembershipsEnded,
          },
        });
        return { region, from, to: target, people, orders: orders.orders, openOrders: orders.open, squadMembershipsEnded, paths };
      });
      // An order or a duty switch written while the move ran may have copied the old path (neither locks the place):
      // once the move is visible to everyone, catch those up. Anything written from now on reads the new path.
      await db.transaction(async (m) => {
        await rewriteOrderPaths(m, moved.paths);
        await rewriteDutySpots(m, moved.paths);
      });
      const { paths: _paths, ...result } = moved;
      return result;
    },

    /** The children of a place (the cities without `parentId`); 404 for a place that does not exist. */
    async listChildren(parentId: string | undefined): Promise<Region[]> {
      if (parentId !== undefined && (await findRegion(db.manager, parentId)) === null) throw regionNotFound();
      // Children of one place are few (a community has tens of grids).
      return listChildRegions(db.manager, parentId);
    },

    /** Places whose name contains the text, each with its full name (a person recognises 「… › 胜利社区 › 第一网格」). */
    async search(q: string, limit = 20): Promise<RegionHitDto[]> {
      return (await searchRegions(db.manager, q, limit)).map(toHit);
    },

    /** The 5 grids nearest to a point (「使用我的位置」), by the distance of their centre, in metres. */
    async nearest(lat: number, lng: number): Promise<RegionHitDto[]> {
      return (await nearestGrids(db.manager, lat, lng, 5)).map(toHit);
    },

    async get(id: string): Promise<Region> {
      const region = await findRegionRecord(db.manager, id);
      if (!region) throw regionNotFound();
      return region;
    },
  };
}

export type RegionService = ReturnType<typeof createRegionService>;
