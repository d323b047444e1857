import { randomUUID } from 'node:crypto';
import { REGION_LEVELS, type CreateRegionDto, type RegionHitDto } from '@bangbang/shared';
import type { DataSource } from 'typeorm';
import { ConflictError, NotFoundError, ValidationFailedError } from '../../errors';
import { covers, jurisdictionOf } from '../access/jurisdiction';
import { requireRole, type Actor } from '../auth/actor';
import { recordAudit, type AuditContext } from '../audit/service';
import type { Region } from './region.entity';
import { regionNotFound } from './lookup';
import { findRegion, findRegionRecord, hasChildNamed, insertRegion, listChildRegions, nearestGrids, searchRegions, type RegionHitRow } from './region.repo';

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

/**
 * The place tree. Place names and centres are public knowledge (a resident picks their community from them), so
 * any logged-in person may read the tree; only an admin changes it, and only inside their jurisdiction.
 */
export function createRegionService({ db }: RegionServiceDeps) {
  return {
    /** A new place one level below its parent (a city only for an admin without a region); 404 outside their reach. */
    async create(actor: Actor, body: CreateRegionDto, ctx: AuditContext): Promise<Region> {
      requireRole(actor, ['admin'], '只有管理员可以设置地区和网格。');
      return db.transaction(async (m) => {
        const j = jurisdictionOf(actor);
        let parent: Region | null = null;
        if (body.level === 'city') {
          if (body.parentId !== undefined) {
            throw new ValidationFailedError('请求内容有误：parentId 盟市是最高一级，没有上级。', [{ field: 'parentId', message: '盟市是最高一级，没有上级' }]);
          }
          if (j.kind !== 'everything') throw new NotFoundError('上级地区不存在。');
        } else {
          if (body.parentId === undefined) {
            throw new ValidationFailedError('请求内容有误：parentId 必填。', [{ field: 'parentId', message: '必填' }]);
          }
          parent = await findRegionRecord(m, body.parentId, { lock: true });
          if (!parent || !covers(j, parent.path)) throw new NotFoundError('上级地区不存在。');
          const expected = REGION_LEVELS[REGION_LEVELS.indexOf(parent.level) + 1];
          if (body.level !== expected) {
            throw new ValidationFailedError(`请求内容有误：level 在「${parent.name}」下只能设 ${expected ?? '（无）'}。`, [
              { field: 'level', message: expected ? `上级是 ${parent.level}，这一级须为 ${expected}` : '网格下不能再设下级' },
            ]);
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
