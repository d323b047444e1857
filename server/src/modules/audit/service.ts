import type { AccessLogEntryDto, AuditAction, AuditEntryDto, AuditSubjectType, ExportFormat, ExportKind, ListLogQuery, Page } from '@bangbang/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { UUID_PATTERN, fieldError } from '../../errors';
import { requireRole, type Actor } from '../auth/actor';
import { jurisdictionOf } from '../access/jurisdiction';
import { insertAudit, listAccess, listAudit, type LogFilter } from './audit.repo';

/**
 * Where a change came from, handed by the route to the service: the client's address (null for the command line).
 * The actor is passed beside it, as every service takes it.
 */
export interface AuditContext {
  ip: string | null;
}

/** A change made from the command line (`pnpm admin:grant`), not over HTTP. */
export const COMMAND_LINE: AuditContext = { ip: null };

export interface AuditRecord {
  action: AuditAction;
  subjectType: AuditSubjectType;
  subjectId: string;
  before: unknown;
  after: unknown;
}

/**
 * The one writer of audit_log: call it on the transaction's manager that makes the change, so the record commits
 * (or not) with it. `actorId` null: the command line.
 */
export async function recordAudit(m: Pick<EntityManager, 'query'>, actorId: string | null, ctx: AuditContext, rec: AuditRecord): Promise<void> {
  await insertAudit(m, { actorId, ...rec, ip: ctx.ip });
}

/** Only the fields that differ, before and after: what an audit row shows of an update. */
export function changedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) {
      b[key] = before[key] ?? null;
      a[key] = after[key] ?? null;
    }
  }
  return { before: b, after: a };
}

/** The keyset cursor of the logs: (created_at with microseconds, id) as opaque base64url text. */
function encode(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

function decode(cursor: string, idPattern: RegExp): [string, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at)) && typeof id === 'string' && idPattern.test(id)) return [at, id];
  } catch {
    /* fall through */
  }
  throw fieldError('cursor', '分页游标无效');
}

const ADMINS_ONLY = '只有管理员可以查看审计记录和查看记录。';

export interface AuditServiceDeps {
  db: DataSource;
}

/**
 * Admins read the audit trail and the access log, filtered by who acted, by subject and by time, newest first.
 * An admin of a place (not the whole tree) sees what people of that place did.
 */
export function createAuditService({ db }: AuditServiceDeps) {
  function filterOf(actor: Actor, q: ListLogQuery, idPattern: RegExp): LogFilter {
    requireRole(actor, ['admin'], ADMINS_ONLY);
    const j = jurisdictionOf(actor);
    return {
      actorId: q.actorId,
      subjectId: q.subjectId,
      from: q.from,
      to: q.to,
      before: q.cursor !== undefined ? decode(q.cursor, idPattern) : undefined,
      scopePath: j.kind === 'subtree' ? j.path : undefined,
      limit: (q.limit ?? 20) + 1,
    };
  }

  return {
    async audit(actor: Actor, q: ListLogQuery): Promise<Page<AuditEntryDto>> {
      const f = filterOf(actor, q, UUID_PATTERN);
      const rows = await listAudit(db.manager, f);
      const page = rows.slice(0, f.limit - 1);
      const last = page.at(-1);
      return {
        items: page.map((r) => ({
          id: r.id,
          at: r.at,
          actorId: r.actor_id,
          actorName: r.actor_name,
          action: r.action as AuditAction,
          subjectType: r.subject_type as AuditSubjectType,
          subjectId: r.subject_id,
          subjectName: r.subject_name,
          before: r.before,
          after: r.after,
          ip: r.ip,
        })),
        nextCursor: rows.length > page.length && last ? encode(last.at, last.id) : null,
      };
    },

    async accessLog(actor: Actor, q: ListLogQuery): Promise<Page<AccessLogEntryDto>> {
      const f = filterOf(actor, q, /^\d{1,19}$/);
      const rows = await listAccess(db.manager, f);
      const page = rows.slice(0, f.limit - 1);
      const last = page.at(-1);
      return {
        items: page.map((r) => ({
          id: r.id,
          at: r.at,
          viewerId: r.viewer_id,
          viewerName: r.viewer_name,
          subjectId: r.subject_id,
          subjectName: r.subject_name,
          fields: r.fields,
          reason: r.reason,
          export: r.export && { ...r.export, kind: r.export.kind as ExportKind, format: r.export.format as ExportFormat, regionName: r.export_region_name },
        })),
        nextCursor: rows.length > page.length && last ? encode(last.at, last.id) : null,
      };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;

/** The audit context of a request: its client's address (as Fastify sees it, behind the configured proxies). */
export function auditContextOf(request: { ip: string }): AuditContext {
  return { ip: request.ip };
}
