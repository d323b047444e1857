import fastifyMultipart from '@fastify/multipart';
import { IMPORT_FILE_FIELD, IMPORT_KIND_NAMES, IMPORT_KINDS, IMPORTS_PATH, ImportQuery, type ImportKind, type ImportResultDto } from '@bangbang/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../errors';
import { docs, shape } from '../../http/openapi';
import { validateQuery } from '../../http/validate';
import { requireActor } from '../auth/actor';
import { auditContextOf } from '../audit/service';
import type { ImportService } from './service';
import { fileProblem } from './workbook';

/**
 * 导入台账 over HTTP: the templates (GET, .xlsx) and the import (POST, multipart, one workbook in field `file`;
 * `?dryRun=true` only checks). The route reads the upload into memory only up to IMPORT_MAX_BYTES: a larger one is
 * refused from its Content-Length, or as soon as it passes the limit, before anything parses it.
 */

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB` : `${Math.round(bytes / 1024)} KB`;
}

function kindOf(request: FastifyRequest): ImportKind {
  const { kind } = request.params as { kind: string };
  if (!(IMPORT_KINDS as readonly string[]).includes(kind))
    throw new NotFoundError('没有这种台账：可导入 residents（居民）、volunteers（志愿者）、grid-workers（网格员）。');
  return kind as ImportKind;
}

const kindParam = { kind: { type: 'string', enum: [...IMPORT_KINDS], description: '居民 residents、志愿者 volunteers、网格员 grid-workers' } } as const;

const resultSchema = shape<ImportResultDto>('ImportResult', {
  description: '导入（或检查）的结果：每一行是新登记、更新或没有变化之一',
  properties: {
    kind: { type: 'string', enum: [...IMPORT_KINDS] },
    dryRun: { type: 'boolean', description: 'true：只检查，没有改动任何数据' },
    rows: { type: 'integer', description: '读到的数据行（不含示例行、空行）' },
    created: { type: 'integer', description: '新登记的人数' },
    updated: { type: 'integer', description: '已登记、资料有更新的人数' },
    unchanged: { type: 'integer', description: '已登记、资料没有变化的人数' },
    sheet: { type: 'string', description: '读取的工作表' },
  },
});

export default async function importRoutes(app: FastifyInstance, { imports }: { imports: ImportService }): Promise<void> {
  const maxBytes = app.config.importMaxBytes;
  const tooLarge = `文件太大：导入的工作簿不能超过 ${formatBytes(maxBytes)}，请分成几个文件导入`;

  // Registered inside this plugin only (as the uploads' one): every other route still accepts JSON alone.
  await app.register(fastifyMultipart, {
    limits: { fileSize: maxBytes, files: 1, fields: 5, fieldSize: 1024, parts: 6, headerPairs: 100 },
  });

  app.get(
    `${IMPORTS_PATH}/:kind/template`,
    {
      schema: docs({
        tags: ['users'],
        summary: '下载导入模板（Excel）',
        description:
          '中文表头、一行示例（导入时跳过）、“填写说明”工作表（每一列的规则与可选值），以及可选的“地区列表”（管辖范围内的社区/网格）和“服务目录”。' +
          '管理员、调度员可下载三种模板；网格员只能导入居民台账。',
        auth: 'required',
        params: kindParam,
        response: { 200: { type: 'string', format: 'binary', description: 'Excel 工作簿（.xlsx）' } },
        errors: [403, [404, '没有这种台账']],
      }),
    },
    async (request, reply) => {
      const kind = kindOf(request);
      const body = await imports.template(requireActor(request), kind);
      const name = encodeURIComponent(`${IMPORT_KIND_NAMES[kind]}导入模板.xlsx`);
      return reply
        .header('content-type', XLSX)
        .header('content-disposition', `attachment; filename="${kind}-template.xlsx"; filename*=UTF-8''${name}`)
        .header('cache-control', 'no-store')
        .send(body);
    },
  );

  app.post(
    `${IMPORTS_PATH}/:kind`,
    {
      schema: docs({
        tags: ['users'],
        summary: '导入台账（Excel）',
        description: [
          `以 \`multipart/form-data\` 上传一个用模板填写的 .xlsx 工作簿（字段 \`${IMPORT_FILE_FIELD}\`），不超过 \`IMPORT_MAX_BYTES\`（默认 5 MB）、\`IMPORT_MAX_ROWS\` 行（默认 20,000）。`,
          '每一行都按登记人员的规则检查（同一套 DTO、管辖范围、可授予的角色）。只要有一行有错，就**不导入任何数据**，',
          '400 的 `details` 逐项列出每一处错误：`row`（Excel 行号，表头为第 1 行）、`column`（中文表头）、`message`。',
          '已登记的人员按手机号（没有手机号时按身份证号）找到并更新，不会重复登记：同一个文件导入两次，第二次没有任何变化。',
          '`dryRun=true`：只检查，回答将会新登记、更新、不变的人数。每次导入记入审计记录。',
        ].join(''),
        auth: 'required',
        params: kindParam,
        multipart: {
          properties: { [IMPORT_FILE_FIELD]: { type: 'string', format: 'binary', description: '用导入模板填写的 .xlsx 工作簿' } },
          required: [IMPORT_FILE_FIELD],
        },
        response: { 200: resultSchema },
        errors: [
          [400, '文件不是 .xlsx 工作簿、工作表为空、表头缺失或写错、行数超过上限，或某些行有错（`details` 中的 row、column、message）'],
          403,
          [404, '没有这种台账'],
          [409, '导入期间有人登记了文件中的手机号或身份证号'],
          [413, '文件超过 IMPORT_MAX_BYTES'],
          [415, '不是 multipart/form-data'],
        ],
      }),
      preValidation: validateQuery(ImportQuery),
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const actor = requireActor(request);
      const kind = kindOf(request);
      const dryRun = (request.query as ImportQuery).dryRun === 'true';
      if (!request.isMultipart()) throw fileProblem(`请以 multipart/form-data 上传，工作簿放在字段 ${IMPORT_FILE_FIELD} 中`, 415);
      // larger than the limit by its own account: refused before a byte of it is read
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > maxBytes + 64 * 1024) {
        void reply.header('connection', 'close');
        throw fileProblem(tooLarge, 413);
      }
      const part = await request.file({ throwFileSizeLimit: false });
      if (!part) throw fileProblem('请选择要导入的 Excel 文件');
      if (part.fieldname !== IMPORT_FILE_FIELD) {
        void reply.header('connection', 'close');
        throw fileProblem(`工作簿须放在字段 ${IMPORT_FILE_FIELD} 中`);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
      if (part.file.truncated) {
        void reply.header('connection', 'close');
        throw fileProblem(tooLarge, 413);
      }
      return imports.import(actor, kind, Buffer.concat(chunks), dryRun, auditContextOf(request));
    },
  );
}
