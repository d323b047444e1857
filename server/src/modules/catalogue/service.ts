import type { CreateServiceCategoryDto, UpdateServiceCategoryDto } from '@bangbang/shared';
import type { DataSource } from 'typeorm';
import { ConflictError, NotFoundError, fieldError } from '../../errors';
import { requireRole, type Actor } from '../auth/actor';
import { changedFields, recordAudit, type AuditContext } from '../audit/service';
import { findCategory, getCategory, insertCategory, isCategoryNameTaken, listCategories, updateCategory } from './catalogue.repo';
import type { ServiceCategory } from './service-category.entity';

export interface CatalogueServiceDeps {
  db: DataSource;
}

const ADMINS_ONLY = '只有管理员可以编辑服务清单。';

function checkDeadlines(normal: number, urgent: number): void {
  if (urgent > normal) {
    throw fieldError('acceptMinutesUrgent', '紧急单的接单时限不能长于普通单');
  }
}

/**
 * The service catalogue (服务清单). Anyone may read it (the home screen's tiles show before login);
 * only admins add or edit. Deactivated services stay listed for admins (`all`) so old orders keep a name.
 */
export function createCatalogueService({ db }: CatalogueServiceDeps) {
  return {
    /** The active services; with `all`, the deactivated ones too, for an admin (others get the active ones). */
    async list(actor: Actor | null, { all }: { all: boolean }): Promise<ServiceCategory[]> {
      return listCategories(db.manager, { all: all && actor?.roles.includes('admin') === true });
    },

    async create(actor: Actor, body: CreateServiceCategoryDto, ctx: AuditContext): Promise<ServiceCategory> {
      requireRole(actor, ['admin'], ADMINS_ONLY);
      checkDeadlines(body.acceptMinutesNormal, body.acceptMinutesUrgent);
      return db.transaction(async (m) => {
        if (!(await insertCategory(m, body))) throw new ConflictError(`编码或名称已被使用：${body.code} / ${body.name}。`);
        const created = await getCategory(m, body.code);
        await recordAudit(m, actor.id, ctx, {
          action: 'category.create',
          subjectType: 'category',
          subjectId: created.code,
          before: null,
          after: { ...created },
        });
        return created;
      });
    },

    /** Changes only the fields given; the code never changes (orders refer to it). */
    async update(actor: Actor, code: string, patch: UpdateServiceCategoryDto, ctx: AuditContext): Promise<ServiceCategory> {
      requireRole(actor, ['admin'], ADMINS_ONLY);
      return db.transaction(async (m) => {
        const current = await findCategory(m, code, { lock: true });
        if (!current) throw new NotFoundError('没有这个服务类别。');
        const next = { ...current, ...patch };
        checkDeadlines(next.acceptMinutesNormal, next.acceptMinutesUrgent);
        if (patch.name !== undefined && patch.name !== current.name && (await isCategoryNameTaken(m, patch.name))) {
          throw new ConflictError(`名称已被使用：${patch.name}。`);
        }
        if (Object.keys(patch).length > 0) await updateCategory(m, current.code, patch);
        const fresh = await getCategory(m, current.code);
        const diff = changedFields({ ...current }, { ...fresh });
        await recordAudit(m, actor.id, ctx, { action: 'category.update', subjectType: 'category', subjectId: current.code, ...diff });
        return fresh;
      });
    },
  };
}

export type CatalogueService = ReturnType<typeof createCatalogueService>;
