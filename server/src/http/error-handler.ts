import { DEFAULT_ERROR_MESSAGES, ERROR_HTTP_STATUS, ErrorCode, summarizeDetails, type ErrorBody, type ErrorDetail } from '@bangbang/shared';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isDatabaseUnavailable, sqlState } from '../db/errors';
import { AppError, RateLimitedError } from '../errors';

/**
 * One place that turns every failure into the error contract: `{ code, message, details? }` with the right
 * HTTP status and a Chinese message. A 5xx never carries a stack, SQL or an internal message.
 */

interface AjvIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

function ajvPath(issue: AjvIssue): string {
  const parts = issue.instancePath.split('/').filter(Boolean);
  if (issue.keyword === 'required' && typeof issue.params.missingProperty === 'string') parts.push(issue.params.missingProperty);
  if (issue.keyword === 'additionalProperties' && typeof issue.params.additionalProperty === 'string') {
    parts.push(issue.params.additionalProperty);
  }
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** JSON Schema's type names, as a person says them. */
const TYPE_NAMES: Record<string, string> = {
  string: '文本',
  integer: '整数',
  number: '数字',
  boolean: '是或否',
  object: '一组内容',
  array: '列表',
  null: '空',
};

function ajvMessage(issue: AjvIssue): string {
  const p = issue.params;
  switch (issue.keyword) {
    case 'required':
      return '必填';
    case 'additionalProperties':
      return '不允许的字段';
    case 'type':
      return `必须是${TYPE_NAMES[String(p.type)] ?? '正确的类型'}`;
    case 'enum':
      return '不在允许的取值范围内';
    case 'minimum':
      return `不能小于 ${String(p.limit)}`;
    case 'maximum':
      return `不能大于 ${String(p.limit)}`;
    case 'minLength':
      return `至少 ${String(p.limit)} 个字符`;
    case 'maxLength':
      return `最多 ${String(p.limit)} 个字符`;
    case 'format':
    case 'pattern':
      return '格式不正确';
    default:
      return '格式不正确';
  }
}

interface Mapped {
  status: number;
  body: ErrorBody;
}

function contract(code: ErrorCode, message?: string, details?: ErrorDetail[], status?: number): Mapped {
  const body: ErrorBody = { code, message: message ?? DEFAULT_ERROR_MESSAGES[code] };
  if (details && details.length > 0) body.details = details;
  return { status: status ?? ERROR_HTTP_STATUS[code], body };
}

/** The messages of @fastify/busboy's errors for a malformed multipart body (its Errors carry no code). */
const MALFORMED_MULTIPART = new Set(['Unexpected end of multipart data', 'Multipart: Boundary not found', 'Boundary required', 'Unexpected file']);

/** Exported for unit tests: the mapping from any thrown value to status + body. */
export function mapError(err: unknown): Mapped {
  if (err instanceof AppError) {
    return contract(err.code, err.message, err.details, err.statusCode);
  }

  const e = err as Partial<FastifyError> & { validation?: AjvIssue[] };
  if (Array.isArray(e.validation)) {
    const details = e.validation.map((issue) => ({ field: ajvPath(issue) || 'body', message: ajvMessage(issue) }));
    return contract(ErrorCode.VALIDATION_FAILED, summarizeDetails(details), details);
  }

  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return contract(ErrorCode.VALIDATION_FAILED, '请求内容不是有效的 JSON。', [{ field: 'body', message: '不是有效的 JSON' }]);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return contract(ErrorCode.VALIDATION_FAILED, '请求内容为空，请提交 JSON 对象。', [{ field: 'body', message: '不能为空' }]);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return contract(ErrorCode.VALIDATION_FAILED, '请求内容太大。', [{ field: 'body', message: '内容太大' }], 413);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return contract(ErrorCode.VALIDATION_FAILED, '提交的内容格式不受支持，请刷新后重试。', [{ field: 'content-type', message: '不支持的内容类型' }], 415);
    // a path parameter longer than Fastify's maxParamLength: no id, code or file name is that long, so it names
    // nothing that exists (as a malformed id answers 404 everywhere)
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return contract(ErrorCode.NOT_FOUND, '找不到：路径中的编号太长。');
    case 'FST_ERR_BAD_URL':
      return contract(ErrorCode.VALIDATION_FAILED, '请求地址的编码不正确。', [{ field: 'url', message: '编码不正确' }]);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return contract(ErrorCode.VALIDATION_FAILED, '请求内容长度与声明不符。', [{ field: 'body', message: '长度不符' }]);
    default:
      break;
  }

  // @fastify/busboy, under @fastify/multipart, rejects a form that is cut short or has no boundary with a plain
  // Error: the client sent a broken upload, not a fault of ours
  if (err instanceof Error && MALFORMED_MULTIPART.has(err.message)) {
    return contract(ErrorCode.VALIDATION_FAILED, '上传的表单不完整或格式不正确，请重新上传。', [{ field: 'body', message: '表单不完整或格式不正确' }]);
  }

  if (isDatabaseUnavailable(err)) return contract(ErrorCode.SERVICE_UNAVAILABLE, '数据库暂时无法连接，请稍后再试。');

  switch (sqlState(err)) {
    case '23505':
      return contract(ErrorCode.CONFLICT, '该记录已存在。');
    case '23503':
      return contract(ErrorCode.CONFLICT, '关联的记录不存在或仍被引用。');
    case '40001':
    case '40P01':
      return contract(ErrorCode.CONFLICT, '操作冲突，请重试。');
    case '22P02':
    case '22003':
    case '22007':
    case '22008':
      return contract(ErrorCode.VALIDATION_FAILED, '参数格式不正确。');
    case '57014':
      return contract(ErrorCode.SERVICE_UNAVAILABLE, '处理超时，请稍后再试。');
    default:
      break;
  }

  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status === 429) return contract(ErrorCode.RATE_LIMITED);
  if (status === 401) return contract(ErrorCode.UNAUTHORIZED);
  if (status === 403) return contract(ErrorCode.FORBIDDEN);
  if (status === 404) return contract(ErrorCode.NOT_FOUND);
  if (status === 409) return contract(ErrorCode.CONFLICT);
  if (status === 503) return contract(ErrorCode.SERVICE_UNAVAILABLE);
  if (status >= 400 && status < 500) return contract(ErrorCode.VALIDATION_FAILED, undefined, undefined, status);
  return contract(ErrorCode.INTERNAL);
}

/**
 * Fastify's `frameworkErrors` option: the failures its router meets before any route or hook (a path parameter
 * over `maxParamLength`, a URL that is not valid percent-encoding), answered in the contract instead of Fastify's
 * own `{ statusCode, error, message }` body.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = mapError(err);
  request.log.info({ code: body.code, status }, body.message);
  void reply.code(status).header('cache-control', 'no-store').send(body);
}

async function errorHandler(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = mapError(err);
    if (status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: body.code, status }, body.message);
    if (err instanceof RateLimitedError && err.retryAfterSeconds !== undefined) {
      void reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterSeconds))));
    }
    void reply.code(status).header('cache-control', 'no-store').send(body);
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const body: ErrorBody = { code: ErrorCode.NOT_FOUND, message: `找不到这个接口：${request.method} ${path}` };
    void reply.code(404).send(body);
  });
}

export default fp(errorHandler, { name: 'error-handler', fastify: '5.x' });
