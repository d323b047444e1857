import type { CreateServiceCategoryDto, UpdateServiceCategoryDto } from '@bangbang/shared';
import type { DataSource } from 'typeorm';
import { ConflictError, NotFoundError, ValidationFailedError } from '../../errors';
import { requireRole, type Actor } from '../auth/actor';
import { findCategory, getCategory, insertCategory, isCategoryNameTaken, listCategories, updateCategory } from './catalogue.repo';
import type { ServiceCategory } from './service-category.entity';

export interface CatalogueServiceDeps {
  db: DataSource;
}

const ADMINS_ONLY = '只有管理员可以编辑服务清单。';

function checkDeadlines(normal: number, urgent: number): void {
  if (urgent > normal) {
    throw new ValidationFailedError('请求内容有误：acceptMinutesUrgent 紧急单的接单时限不能长于普通单。', [
      { field: 'acceptMinutesUrgent', message: '紧急单的接单时限不能长于普通单' },
    ]);
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

    async create(actor: Actor, body: CreateServiceCategoryDto): Promise<ServiceCategory> {
      requireRole(actor, ['admin'], ADMINS_ONLY);
      checkDeadlines(body.acceptMinutesNormal, body.acceptMinutesUrgent);
      if (!(await insertCategory(db.manager, body))) throw new ConflictError(`编码或名称已被使用：${body.code} / ${body.name}。`);
      return getCategory(db.manager, body.code);
    },

    /** Changes only the fields given; the code never changes (orders refer to it). */
    async update(actor: Actor, code: string, patch: UpdateServiceCategoryDto): Promise<ServiceCategory> {
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
        return getCategory(m, current.code);
      });
    },
  };
}

export type CatalogueService = ReturnType<typeof createCatalogueService>;
