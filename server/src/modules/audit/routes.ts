import {
  ACCESS_LOG_PATH,
  AUDIT_ACTIONS,
  AUDIT_PATH,
  AUDIT_SUBJECT_TYPES,
  EXPORT_FORMATS,
  EXPORT_KINDS,
  ListLogQuery,
  type AccessLogEntryDto,
  type AuditEntryDto,
  type Page,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { validateQuery } from '../../http/validate';
import { docs, nullable, shape } from '../../http/openapi';
import { requireActor } from '../auth/actor';
import type { AuditService } from './service';

const uuid = { type: 'string', format: 'uuid' };
const at = { type: 'string', format: 'date-time', description: '时间（UTC，精确到微秒）' };
const state = nullable({
  type: 'object',
  additionalProperties: true,
  description: '修改前 / 修改后（只列出变化的字段；新增时修改前为 null，删除时修改后为 null）',
});
const nextCursor = nullable({ type: 'string', description: '下一页时作为 `cursor` 传回；最后一页为 null' });

const auditEntrySchema = shape<AuditEntryDto>('AuditEntry', {
  description: '一次修改：谁、何时、改了什么（类型与对象）、改前 → 改后、从哪个地址',
  properties: {
    id: uuid,
    at,
    actorId: nullable({ ...uuid, description: '操作人；命令行（pnpm admin:grant）为 null' }),
    actorName: nullable({ type: 'string' }),
    action: { type: 'string', enum: [...AUDIT_ACTIONS] },
    subjectType: { type: 'string', enum: [...AUDIT_SUBJECT_TYPES] },
    subjectId: { type: 'string', description: '人员、地区、小分队的编号，或服务类别的编码' },
    subjectName: nullable({ type: 'string', description: '对象现在的名称；已不存在时为 null' }),
    before: state,
    after: state,
    ip: nullable({ type: 'string', description: '客户端地址；命令行为 null' }),
  },
});

const accessEntrySchema = shape<AccessLogEntryDto>('AccessLogEntry', {
  description: '一次完整查看他人手机号或详细地址',
  properties: {
    id: { type: 'string' },
    at,
    viewerId: uuid,
    viewerName: { type: 'string' },
    subjectId: nullable({ ...uuid, description: '被查看人；导出台账本身的一行为 null（它不只涉及一个人）' }),
    subjectName: nullable({ type: 'string' }),
    fields: { type: 'array', items: { type: 'string', enum: ['phone', 'address'] } },
    reason: { type: 'string', description: '为什么可以查看：self、jurisdiction、accepted_order、family，或 export（导出台账）' },
    export: nullable({
      type: 'object',
      description: '导出台账本身的一行：导出了什么；其他行为 null',
      required: ['kind', 'format', 'regionId', 'regionName', 'from', 'to', 'rows', 'complete'],
      properties: {
        kind: { type: 'string', enum: [...EXPORT_KINDS] },
        format: { type: 'string', enum: [...EXPORT_FORMATS] },
        regionId: nullable({ ...uuid, description: '导出的地区；null 为查看人管辖的全部地区' }),
        regionName: nullable({ type: 'string' }),
        from: nullable(at),
        to: nullable(at),
        rows: { type: 'integer', minimum: 0, description: '导出的行数' },
        complete: { type: 'boolean', description: 'false：下载中途停止' },
      },
      additionalProperties: false,
    }),
  },
});

const auditPageSchema = shape<Page<AuditEntryDto>>('AuditPage', { properties: { items: { type: 'array', items: auditEntrySchema }, nextCursor } });
const accessPageSchema = shape<Page<AccessLogEntryDto>>('AccessLogPage', { properties: { items: { type: 'array', items: accessEntrySchema }, nextCursor } });

/** The audit trail and the access log over HTTP, for admins (see service.ts). */
export default async function auditRoutes(app: FastifyInstance, { audit }: { audit: AuditService }): Promise<void> {
  app.get(
    AUDIT_PATH,
    {
      schema: docs({
        tags: ['audit'],
        summary: '审计记录（管理员）',
        description:
          '人员、角色、地区、小分队、服务清单、派单方式的每次修改与每次授予管理员，按时间倒序，游标分页。可按操作人 `actorId`、对象 `subjectId`、时间 `from`（含）/`to`（不含）筛选。限定地区的管理员只看到本地区人员的操作。',
        auth: 'required',
        response: { 200: auditPageSchema },
        errors: [403],
      }),
      preValidation: validateQuery(ListLogQuery),
    },
    async (request): Promise<Page<AuditEntryDto>> => audit.audit(requireActor(request), request.query as ListLogQuery),
  );

  app.get(
    ACCESS_LOG_PATH,
    {
      schema: docs({
        tags: ['audit'],
        summary: '查看记录（管理员）',
        description:
          '谁在何时、为何完整查看了谁的手机号或详细地址，按时间倒序，游标分页。可按查看人 `actorId`、被查看人 `subjectId`、时间筛选。限定地区的管理员只看到本地区人员的查看。',
        auth: 'required',
        response: { 200: accessPageSchema },
        errors: [403],
      }),
      preValidation: validateQuery(ListLogQuery),
    },
    async (request): Promise<Page<AccessLogEntryDto>> => audit.accessLog(requireActor(request), request.query as ListLogQuery),
  );
}
