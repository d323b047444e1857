import fastifySwagger, { type SwaggerTransform } from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { API_PREFIX, ERROR_HTTP_STATUS, ErrorCode, type ErrorBody, type ErrorDetail } from '@bangbang/shared';
import type { MetadataStorage as ClassTransformerMetadataStorage } from 'class-transformer/types/MetadataStorage';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import type { FastifyInstance, FastifySchema } from 'fastify';
import fp from 'fastify-plugin';
import { validatedBy } from './validate';

// class-transformer keeps its @Type metadata (which tells the converter the class inside an array) in a module it
// exports only by a deep path without types (typestack/class-transformer#563).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: ClassTransformerMetadataStorage };

/**
 * The OpenAPI 3 document of the API, served at `/api/docs` (Swagger UI) and `/api/docs/json` unless API_DOCS is off
 * (its default in production).
 *
 * Everything in it is DOCUMENTATION ONLY; nothing here changes how a request is validated or a reply is sent:
 *
 * - A route says `schema: docs({...})`. `docs()` hides what it documents behind a symbol, so Fastify sees a schema
 *   with no `body`, `querystring`, `params` or `response`: Ajv validates nothing new and fast-json-stringify never
 *   serialises a reply (it would silently drop properties missing from a schema and coerce `null`s). Replies stay
 *   `JSON.stringify` of what the handler returns; a test checks them against the documented shapes instead.
 *   Never give a route a Fastify `body` or `response` schema (the openapi test fails): bodies belong to
 *   class-validator. A route that wants Ajv to check its path parameters may add `{ ...docs({...}), params }`;
 *   those are real validation (removeAdditional off, see app.ts) and documented as they are.
 * - Request bodies are documented from the class-validator DTO the route really validates with: the DTO behind the
 *   `validateBody(Dto)` in its `preValidation` (the same for `validateQuery`), converted by
 *   class-validator-jsonschema. class-validator stays the only validator, with the contract's Chinese messages, and
 *   the document cannot drift from it. `additionalProperties: false` is added, as `VALIDATOR_OPTIONS` rejects
 *   unknown properties at every level.
 * - Response shapes are the interfaces of `@bangbang/shared`, described with `shape<Interface>()` (the compiler
 *   checks it names exactly the interface's properties). Errors all point at the one `ErrorBody` component.
 *
 * Only routes under `/api/v1` are in the document (not the H5 page, not the docs' own routes).
 */

export const DOCS_PREFIX = '/api/docs';

/** The path parameter of every route on one thing by id (`/orders/:id`, `/users/:id`, …). */
export const idParam = { id: { type: 'string', format: 'uuid' } };

/** A JSON schema in OpenAPI 3.0's dialect (`nullable: true` rather than `type: 'null'`). */
export type JsonSchema = { [keyword: string]: unknown };

/** A named schema: listed once under `components.schemas`, referenced (`$ref`) wherever it is used. */
export class Component {
  constructor(
    readonly name: string,
    readonly schema: JsonSchema,
  ) {}
}

/** Where a schema is expected: an inline JSON schema (which may contain components) or a component. */
export type SchemaLike = JsonSchema | Component;

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/**
 * How `shape<T>()` describes the interface `T`: every property of `T` and no other (the compiler checks), and,
 * when `T` has optional properties, exactly those under `optional`. Every other property is `required`.
 */
export type ShapeSpec<T> = {
  description?: string;
  properties: { [K in keyof T]-?: SchemaLike };
} & ([OptionalKeys<T>] extends [never] ? { optional?: never } : { optional: { [K in OptionalKeys<T>]: true } });

/** A response shape of `@bangbang/shared` as a named component: `shape<MeDto>('Me', { properties: {...} })`. */
export function shape<T extends object>(name: string, spec: ShapeSpec<T>): Component {
  const optional = new Set(Object.keys(spec.optional ?? {}));
  return new Component(name, {
    type: 'object',
    ...(spec.description ? { description: spec.description } : {}),
    properties: spec.properties,
    required: Object.keys(spec.properties).filter((key) => !optional.has(key)),
    additionalProperties: false,
  });
}

/** `schema` or null (OpenAPI 3.0 has no `type: 'null'`). */
export function nullable(schema: JsonSchema): JsonSchema {
  return { ...schema, nullable: true };
}

const errorDetailSchema = shape<ErrorDetail>('ErrorDetail', {
  properties: {
    field: { type: 'string', description: '出错字段在请求中的路径，如 `phone`、`location.lat`、`slots[0].start`；整个请求体为 `body`', example: 'phone' },
    message: { type: 'string', description: '给人看的中文说明', example: '请输入 11 位手机号码' },
    order: {
      type: 'object',
      description: '仅 ORDER_REPEATED：居民已有的、同一服务正在办理的需求（可以打开，或催一下）',
      properties: { id: { type: 'string', format: 'uuid' }, status: { type: 'string' }, categoryName: { type: 'string' } },
      required: ['id', 'status', 'categoryName'],
      additionalProperties: false,
    },
    row: { type: 'integer', minimum: 1, description: '仅导入台账：出错的行（Excel 的行号，表头为第 1 行）', example: 5 },
    column: { type: 'string', description: '仅导入台账：出错的列（中文表头）', example: '手机号' },
  },
  optional: { order: true, row: true, column: true },
});

/** The error contract: every error is an HTTP status plus this body. */
export const errorBodySchema = shape<ErrorBody>('ErrorBody', {
  description: '错误约定：所有错误都是一个 HTTP 状态码加上这个 JSON。`message` 是可以直接展示给用户的中文句子。',
  properties: {
    code: { type: 'string', enum: Object.values(ErrorCode), example: ErrorCode.VALIDATION_FAILED },
    message: { type: 'string', description: '可以直接展示给用户的中文句子', example: '请输入 11 位手机号码。' },
    details: { type: 'array', description: '逐项列出出错的字段（只在校验失败时出现）', items: errorDetailSchema },
  },
  optional: { details: true },
});

/** The tags that group the operations in the UI, in this order. */
const TAGS = {
  health: '健康检查：服务与数据库是否正常',
  auth: '登录：微信登录与开发用手机号登录，换取 Bearer 令牌',
  me: '本人：查看与修改自己的资料、值班状态',
  catalogue: '服务清单：居民可以点单的服务类别',
  regions: '地区：盟市 → 旗县 → 苏木乡镇 → 嘎查村/社区 → 网格',
  users: '人员：居民、志愿者、网格员、调度员（按管辖范围）',
  squads: '小分队：按颜色分工的志愿服务队及其成员',
  applications: '申请：我要当志愿者、迁移所属网格，由所在地的网格员或调度员审核',
  orders: '需求（订单）：点单 → 派单 → 接单 → 签到 → 完成 → 评价，以及时间线',
  tasks: '任务：志愿者的任务大厅与我的任务',
  stats: '统计：管辖范围内的需求与服务概览',
  uploads: '上传：完成服务时的照片（JPEG、PNG、WebP）',
  notifications: '消息：消息中心、消息设置、微信订阅消息，以及需求的通知记录；实时消息经 WebSocket /api/v1/live',
  admin: '运维：失败的后台任务（消息发送等）与重试（管理员）',
  visits: '走访：台账户的走访计划（按标签设频次）、我的走访（签到、记录、发现需求一步转为代下单）、逾期走访与覆盖率',
  projects: '项目：三张清单（需求、资源、项目）、社区项目的发布与认领、确认出勤，在职党员双报到',
  points: '积分：积分规则、我的积分与明细、社区积分超市（兑换、核销）、爱心榜',
  audit: '审计：人员、角色、地区、小分队、服务清单、派单方式的每次修改，以及谁查看了谁的完整手机号/地址（管理员）',
} as const;
export type ApiTag = keyof typeof TAGS;

/** Statuses of the error contract a route may answer. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;

export interface RouteDocs {
  tags: ApiTag[];
  /** One line, in Chinese, as a person would say what the route does. */
  summary: string;
  /** Who may call it and anything else worth knowing (Markdown). */
  description?: string;
  /**
   * `required`: a Bearer token is needed (401 without). `optional`: anyone, but a token may change the answer.
   * Default `none`. (A request carrying a token that is not valid is refused with 401 on every route.)
   */
  auth?: 'none' | 'optional' | 'required';
  /** Path parameters, by name (all required). Documented only: not validated by Fastify. */
  params?: Record<string, JsonSchema>;
  /** Query parameters, by name, for routes without a `validateQuery(Dto)` (which is documented by itself). */
  query?: Record<string, JsonSchema>;
  /**
   * A `multipart/form-data` body (file uploads), which the route reads as a stream itself rather than through a DTO:
   * its parts, by name. Documented only, like `params`.
   */
  multipart?: { properties: Record<string, JsonSchema>; required: string[] };
  /** The answers that are not errors, by status; `null` for a reply without a body (204). */
  response: { [status: number]: SchemaLike | null };
  /**
   * The errors the route itself decides (403, 404, 409…), optionally with what they mean here:
   * `[409, '编码或名称已被使用']`. Added by themselves: 400/413/415 for a route with a validated body, 400 for a
   * validated query, 401 for `auth` other than `none`, 429 for a rate-limited route, 500 and 503 for every route.
   */
  errors?: Array<ErrorStatus | [ErrorStatus, string]>;
}

const DOCS = Symbol('openapi docs');
type DocumentedSchema = FastifySchema & { [DOCS]?: RouteDocs };

/**
 * The documentation of a route, as its `schema`. Documentation only: Fastify finds nothing in it to validate or
 * serialise with (see the top of this file).
 *
 * ```ts
 * app.post(SERVICE_CATEGORIES_PATH, {
 *   schema: docs({ tags: ['catalogue'], summary: '新增服务类别', auth: 'required', response: { 201: serviceCategorySchema }, errors: [403, 409] }),
 *   preValidation: validateBody(CreateServiceCategoryDto), // ← documents the request body
 * }, handler);
 * ```
 */
export function docs(route: RouteDocs): FastifySchema {
  const schema: DocumentedSchema = { [DOCS]: route };
  return schema;
}

const SUCCESS_DESCRIPTIONS: Record<number, string> = { 200: '成功', 201: '已创建', 204: '成功，无内容' };

function codeForStatus(status: ErrorStatus): ErrorCode {
  const code = (Object.keys(ERROR_HTTP_STATUS) as ErrorCode[]).find((c) => ERROR_HTTP_STATUS[c] === status);
  return code ?? ErrorCode.VALIDATION_FAILED; // 413 (too large) and 415 (not JSON) are VALIDATION_FAILED too
}

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: '请求内容有误，`details` 逐项列出出错的字段及原因',
  401: '未登录，或登录已失效（令牌无效或过期）',
  403: '您的角色不能进行此操作',
  404: '不存在，或不在您的管辖范围内（不透露是否存在）',
  409: '与现有记录冲突',
  413: '请求内容太大（上限 1 MiB）',
  415: '不支持的内容类型，请以 application/json 提交',
  429: '操作太频繁（同一地址每分钟的次数有限，所有服务进程共同计数）',
  500: '服务器内部错误（不含任何内部细节）',
  503: '服务暂时不可用（数据库无法连接、处理超时或服务正在重启）',
};

// ---------- building the document ----------

const COMPONENTS_PATH = '#/components/schemas/';

/** What one build of the document has put under components.schemas, to refuse two different schemas of one name. */
interface Registry {
  schemas: Record<string, unknown>;
  owners: Map<string, unknown>;
  dtoSchemas?: Record<string, JsonSchema>;
}
const registries = new WeakMap<object, Registry>();

function registryFor(openapiObject: { components?: { schemas?: Record<string, unknown> } }): Registry {
  let registry = registries.get(openapiObject);
  if (!registry) {
    openapiObject.components ??= {};
    openapiObject.components.schemas ??= {};
    registry = { schemas: openapiObject.components.schemas, owners: new Map() };
    registries.set(openapiObject, registry);
  }
  return registry;
}

function claim(registry: Registry, name: string, owner: unknown): boolean {
  const current = registry.owners.get(name);
  if (current === owner) return false;
  if (current !== undefined) throw new Error(`OpenAPI: two different schemas are both named ${name}`);
  registry.owners.set(name, owner);
  return true;
}

/** Replaces each component in `value` by a `$ref`, listing the component (and the ones inside it) once. */
function emit(registry: Registry, value: unknown): unknown {
  if (value instanceof Component) {
    if (claim(registry, value.name, value)) {
      registry.schemas[value.name] = {}; // a placeholder first, so a component may refer to itself
      registry.schemas[value.name] = emit(registry, value.schema);
    }
    return { $ref: `${COMPONENTS_PATH}${value.name}` };
  }
  if (Array.isArray(value)) return value.map((v) => emit(registry, v));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, emit(registry, v)]));
  }
  return value;
}

/** Unknown properties are rejected at every level (VALIDATOR_OPTIONS): say so in every object of a DTO schema. */
function closed(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (out.properties && typeof out.properties === 'object') {
    out.properties = Object.fromEntries(Object.entries(out.properties as Record<string, JsonSchema>).map(([k, v]) => [k, closed(v)]));
    out.additionalProperties = false;
  }
  if (out.items && typeof out.items === 'object') out.items = closed(out.items as JsonSchema);
  return out;
}

function refsIn(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsIn(v, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(COMPONENTS_PATH)) found.add(v.slice(COMPONENTS_PATH.length));
      else refsIn(v, found);
    }
  }
  return found;
}

function dtoSchemas(registry: Registry): Record<string, JsonSchema> {
  registry.dtoSchemas ??= validationMetadatasToSchemas({
    classTransformerMetadataStorage: defaultMetadataStorage,
    refPointerPrefix: COMPONENTS_PATH,
  }) as Record<string, JsonSchema>;
  return registry.dtoSchemas;
}

/**
 * The JSON schema of a class-validator DTO, by its class name; the DTOs nested in it (`@ValidateNested` +
 * `@Type`) are listed as components and referenced.
 */
function dtoSchema(registry: Registry, name: string): JsonSchema {
  const schema = dtoSchemas(registry)[name];
  if (!schema) throw new Error(`OpenAPI: ${name} has no class-validator decorators to document`);
  for (const nested of refsIn(schema)) dtoRef(registry, nested);
  return closed(schema);
}

/** A DTO as a component, by its class name. */
function dtoRef(registry: Registry, name: string): JsonSchema {
  const schema = dtoSchemas(registry)[name];
  if (schema && claim(registry, name, schema)) registry.schemas[name] = dtoSchema(registry, name);
  else if (!schema) dtoSchema(registry, name); // throws: nothing to document
  return { $ref: `${COMPONENTS_PATH}${name}` };
}

function objectOf(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

/** Turns a route's `docs()` and its validation hooks into the schema @fastify/swagger renders. */
const transform: SwaggerTransform = ({ schema, url, route, ...document }) => {
  const documented = schema as DocumentedSchema | undefined;
  if (!url.startsWith(`${API_PREFIX}/`) || documented?.hide === true || !('openapiObject' in document)) {
    return { schema: { hide: true }, url };
  }
  const registry = registryFor(document.openapiObject);
  const routeDocs = documented?.[DOCS];
  const out: FastifySchema & Record<string, unknown> = {};

  const hooks: unknown[] = [route.preValidation ?? []].flat();
  const body = hooks.map(validatedBy).find((v) => v?.part === 'body');
  const query = hooks.map(validatedBy).find((v) => v?.part === 'query');
  if (body) out.body = dtoRef(registry, body.dto.name);
  if (query) out.querystring = dtoSchema(registry, query.dto.name);
  else if (routeDocs?.query) out.querystring = objectOf(routeDocs.query);
  else if (documented?.querystring) out.querystring = documented.querystring; // a real Fastify schema, documented as it is
  if (routeDocs?.multipart) {
    out.body = { type: 'object', ...routeDocs.multipart };
    out.consumes = ['multipart/form-data'];
  }
  if (routeDocs?.params) out.params = objectOf(routeDocs.params, Object.keys(routeDocs.params));
  else if (documented?.params) out.params = documented.params;
  if (documented?.headers) out.headers = documented.headers;

  if (routeDocs) {
    out.tags = routeDocs.tags;
    out.summary = routeDocs.summary;
    if (routeDocs.description) out.description = routeDocs.description;
    const auth = routeDocs.auth ?? 'none';
    if (auth === 'required') out.security = [{ bearerAuth: [] }];
    if (auth === 'optional') out.security = [{}, { bearerAuth: [] }];

    const response: Record<string, unknown> = {};
    for (const [status, s] of Object.entries(routeDocs.response)) {
      const description = SUCCESS_DESCRIPTIONS[Number(status)] ?? '成功';
      // @fastify/swagger takes a response's description from its schema and leaves no body for `type: 'null'`
      response[status] = s === null ? { type: 'null', description } : { description, ...(emit(registry, s) as JsonSchema) };
    }
    const errors = new Map<ErrorStatus, string | undefined>();
    // every request passes the input guard (input-guard.ts) and the router: a NUL character in the query or body,
    // a body nested too deep, or an address that is not valid percent-encoding is a 400 on any route
    errors.set(400, '请求内容有误（如含有空字符 \\u0000、嵌套太深或地址编码不正确），`details` 指出字段');
    if (body) for (const status of [400, 413, 415] as const) errors.set(status, undefined);
    if (query) errors.set(400, undefined);
    if (auth === 'required') errors.set(401, undefined);
    if (auth === 'optional') errors.set(401, '携带的令牌无效或已过期（不带令牌则以游客身份访问）');
    // the auth hook checks any token a request carries, on every route: one that is invalid, expired or logged out
    // is refused even where no login is needed
    if (auth === 'none') errors.set(401, '携带的令牌无效、已过期或已退出登录（不带令牌即可访问）');
    const config = route.config as { rateLimit?: unknown } | undefined;
    if (config?.rateLimit) errors.set(429, undefined);
    for (const e of routeDocs.errors ?? []) {
      if (Array.isArray(e)) errors.set(e[0], e[1]);
      else errors.set(e, errors.get(e));
    }
    errors.set(500, errors.get(500));
    errors.set(503, errors.get(503));
    for (const [status, meaning] of [...errors].sort(([a], [b]) => a - b)) {
      // a route may document a status with a body of its own (health: 503 with its status), which wins
      const code = codeForStatus(status);
      response[status] ??= { description: `${code}：${meaning ?? ERROR_DESCRIPTIONS[status]}`, ...(emit(registry, errorBodySchema) as JsonSchema) };
    }
    out.response = response;
  }
  return { schema: out, url };
};

/** Registers the OpenAPI document and Swagger UI at /api/docs; register it before the routes. */
async function openapi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: '帮帮团 bangbang API',
        version: app.config.version,
        description: [
          '有困难？找帮帮团。社区“点单 · 派单 · 接单”服务的 REST API。',
          '',
          '- 所有接口在 `/api/v1` 下，请求与响应都是 JSON。',
          '- 登录（`POST /api/v1/auth/wechat`，非生产环境也可 `POST /api/v1/auth/dev-login`）换得令牌，之后发送 `Authorization: Bearer <token>`。',
          '- 错误一律是 HTTP 状态码加 `ErrorBody`：`{ code, message, details? }`；请求体中的未知字段一律以 400 拒绝，不会被忽略。',
        ].join('\n'),
      },
      tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: '登录接口返回的 `token`（HS256，7 天有效）。携带无效或过期令牌的请求在任何接口都会得到 401。',
          },
        },
      },
    },
    transform,
  });
  // The document is always built (app.swagger()); it is served only when API_DOCS allows (off in production).
  if (app.config.apiDocs) {
    await app.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { docExpansion: 'list', deepLinking: true } });
  }
}

export default fp(openapi, { name: 'openapi', dependencies: ['core'], fastify: '5.x' });
