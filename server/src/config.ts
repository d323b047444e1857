import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_MATCH_WEIGHTS, DEFAULT_MAX_ACTIVE_TASKS, DEFAULT_OFFER_WAVES, isMainlandMobile, type MatchWeights, type OfferWave } from '@bangbang/shared';

/**
 * Configuration: read from environment variables once, at start, here and nowhere else.
 * Every bad value is reported at once, with the variable named and what would be accepted.
 */

export type NodeEnv = 'development' | 'production' | 'test';

/**
 * Where SMS codes go (SMS_PROVIDER). `log`: into the server's log (development only, never in production); `none`:
 * nowhere (production without a provider: the SMS routes answer 503); `tencent`: Tencent Cloud SMS; `aliyun`:
 * Alibaba Cloud SMS (阿里云短信).
 */
export type SmsConfig =
  | { provider: 'none' }
  | { provider: 'log' }
  | {
      provider: 'aliyun';
      accessKeyId: string;
      accessKeySecret: string;
      signName: string;
      /** The template's code, e.g. SMS_123456789; its `${code}` is the code. */
      templateCode: string;
      /** SMS_ENDPOINT: another API host and its protocol; unset: dysmsapi.aliyuncs.com over https. */
      endpoint: { protocol: 'http://' | 'https://'; host: string } | undefined;
    }
  | {
      provider: 'tencent';
      secretId: string;
      secretKey: string;
      sdkAppId: string;
      signName: string;
      templateId: string;
      region: string;
      /** SMS_ENDPOINT: another API host (`host[:port]`) and its protocol; unset: the SDK's own (sms.tencentcloudapi.com). */
      endpoint: { protocol: 'http://' | 'https://'; host: string } | undefined;
    };
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface AppConfig {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  /** Absolute. Holds the embedded PostgreSQL cluster, the generated JWT secret and (later) uploads. */
  dataDir: string;
  /** When unset, the server runs its own embedded PostgreSQL under dataDir. */
  databaseUrl: string | undefined;
  jwtSecret: string;
  /** Phones that get the admin role when they log in. */
  adminPhones: string[];
  wechat: { appId: string | undefined; secret: string | undefined; apiBase: string };
  sms: SmsConfig;
  /** Seed demo places and people into an empty database (default: on, except in production). */
  demoData: boolean;
  /** The mini-program's H5 build that the server serves at `/`. */
  h5Dir: string;
  logLevel: LogLevel;
  /** Connections in this process's PostgreSQL pool. */
  dbPoolSize: number;
  /** The matching engine's weights (MATCH_WEIGHTS overrides any of them) and its load limit. */
  matchWeights: MatchWeights;
  maxActiveTasks: number;
  /** Auto-dispatch: minutes an assignee has to accept before the order goes to the next candidate. */
  autoDispatchAcceptMinutes: number;
  /** Pool mode: minutes an order is offered in the task hall before it is dispatched automatically. */
  poolOfferMinutes: number;
  /** OFFER_WAVES: under auto and pool, the waves of offers to several at once (k people, radius, minutes to answer). */
  offerWaves: readonly OfferWave[];
  /** VOLUNTEER_CONTACT_HOURS: how long after an order ends the people who served it still see the resident's full phone and address. */
  volunteerContactHours: number;
  /** The largest photo `POST /uploads` accepts, in bytes (stored under dataDir/uploads). */
  uploadMaxBytes: number;
  /** 导入台账: the largest workbook `POST /imports/…` accepts (IMPORT_MAX_BYTES) and the most data rows (IMPORT_MAX_ROWS). */
  importMaxBytes: number;
  importMaxRows: number;
  /** Serve the OpenAPI document and Swagger UI at /api/docs (API_DOCS; default: on, except in production). */
  apiDocs: boolean;
  /**
   * Fastify's `trustProxy`: whose X-Forwarded-For to believe, so that `request.ip` (and every per-address limit) is
   * the real client behind nginx. false: nobody's (the default: the header is anyone's word); a number: that many
   * proxy hops; a list: proxies at these addresses or CIDRs.
   */
  trustProxy: false | number | string[];
  /** Per person, in any 24 hours: how many photos and how many bytes `POST /uploads` accepts (then 429). */
  uploadDailyCount: number;
  uploadDailyBytes: number;
  /**
   * 点单 per account (then 429): orders still waiting for help per resident (ORDER_OPEN_LIMIT), orders a person
   * placed for themself in any 24 hours (ORDER_DAILY_LIMIT), proxy orders a staff member placed in any 24 hours
   * (PROXY_ORDER_DAILY_LIMIT).
   */
  orderLimits: { openPerResident: number; dailyPerResident: number; dailyPerProxy: number };
  /**
   * Tasks a person may hold at once (accepted, in service): a further accept — from the task hall or of a dispatch —
   * is refused (409). MATCH_MAX_ACTIVE_TASKS, the matching engine's own load limit, unless HALL_MAX_TASKS says
   * otherwise (the name of issue 18, when only the hall was limited).
   */
  hallMaxTasksInHand: number;
  /**
   * 未到场 (issue 20, item 6): when a volunteer who accepted is due at the door — the preferred start (at least
   * NO_SHOW_URGENT_MINUTES after accepting), else NO_SHOW_URGENT_MINUTES after accepting an urgent order,
   * NO_SHOW_MINUTES a normal one — they are reminded; NO_SHOW_GRACE_MINUTES after the reminder without a check-in
   * the order goes back to the pool.
   */
  noShow: NoShowConfig;
  /** URGE_MIN_INTERVAL_MINUTES: 催一下 at most once in this many minutes per order (a second tap is not a second nudge). */
  urgeMinIntervalMinutes: number;
  /** REOPEN_AFTER_CONFIRM_DAYS: how long after confirming the resident's side may still say 问题未解决 (points reversed); 0: never. */
  reopenAfterConfirmDays: number;
  /** VISIT_ESCALATE_HOURS: a missed 走访 goes one level up (the visitor → community → town → county) every this many hours. */
  visitEscalateHours: number;
  /** Reaching people (issue 19): the job queue and the channels besides the app. */
  notify: NotifyConfig;
  version: string;
}

export interface NoShowConfig {
  normalMinutes: number;
  urgentMinutes: number;
  graceMinutes: number;
}

/** WeChat subscription message templates, by what they announce (ids from the mini-program's admin console). */
export interface WechatTemplates {
  /** WECHAT_TEMPLATE_ORDER_STATUS: a resident's order moved on (accepted, at the door, done, still looking, cancelled). */
  orderStatus: string | undefined;
  /** WECHAT_TEMPLATE_NEW_TASK: a volunteer has a task (dispatched to them, new nearby, cancelled, reopened). */
  newTask: string | undefined;
  /** WECHAT_TEMPLATE_ALARM: staff must act (new order, escalated, nobody found, overdue, no-show). */
  alarm: string | undefined;
}

export interface NotifyConfig {
  /** JOB_CONCURRENCY: jobs this process runs at once (deliveries, timed work); 0: none (other processes run them). */
  jobConcurrency: number;
  wechatTemplates: WechatTemplates;
  /** WECHAT_MINIPROGRAM_STATE: which version of the mini-program a subscription message opens. */
  miniprogramState: 'formal' | 'trial' | 'developer';
  /** SMS_NOTIFY_TEMPLATE: the provider's template for notices, with one variable (content); unset: no notice SMS. */
  smsTemplate: string | undefined;
  /** SMS_DAILY_CAP: notice texts one phone gets in 24 hours at most. */
  smsDailyCap: number;
  /** QUIET_HOURS (Beijing time, e.g. 22-7): no notice SMS then, except for urgent orders; null: none. */
  quietHours: { from: number; to: number } | null;
  /** NEARBY_NOTIFY_LIMIT: on-duty volunteers told of a new order near them, nearest first. */
  nearbyLimit: number;
  /** NEARBY_NOTIFY_MINUTES: at most one 附近新需求 per volunteer in this many minutes. */
  nearbyThrottleMinutes: number;
  /** COUNTY_OVERDUE_MINUTES: an order waiting at the county this long alarms its staff and its 兜底责任人. */
  countyOverdueMinutes: number;
  /** COUNTY_ALARM_REPEAT_MINUTES: and again every this many minutes until someone is assigned. */
  countyAlarmRepeatMinutes: number;
  /**
   * RESPONSIBLE_ALARM_MINUTES / RESPONSIBLE_ALARM_URGENT_MINUTES: a new order nobody has accepted this long (normal /
   * urgent) alarms its 兜底责任人 once, well before its deadline escalates it.
   */
  responsibleAlarmMinutes: number;
  responsibleAlarmUrgentMinutes: number;
}

const MINIPROGRAM_STATES = ['formal', 'trial', 'developer'] as const;

/** QUIET_HOURS: `from-to` in whole hours of Beijing time (22-7 spans midnight), or off. */
function parseQuietHours(raw: string | undefined, problems: string[]): { from: number; to: number } | null {
  if (raw === undefined) return { from: 22, to: 7 };
  if (['off', 'none', '0', 'false'].includes(raw.toLowerCase())) return null;
  const m = /^(\d{1,2})-(\d{1,2})$/.exec(raw);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 23 || m[1] === m[2]) {
    problems.push(`QUIET_HOURS 须为「开始时-结束时」（北京时间整点，如 22-7）或 off，收到 "${raw}" (QUIET_HOURS: e.g. 22-7, or off)`);
    return null;
  }
  return { from: Number(m[1]), to: Number(m[2]) };
}

/** TRUST_PROXY: off (default), a hop count 1–10, or comma-separated addresses/CIDRs of the proxies. */
function parseTrustProxy(raw: string | undefined, problems: string[]): false | number | string[] {
  if (raw === undefined || ['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops >= 1 && hops <= 10) return hops;
    problems.push(`TRUST_PROXY 作为跳数时必须是 1 到 10，收到 "${raw}" (TRUST_PROXY hop count must be 1..10)`);
    return false;
  }
  const entries = raw
    .split(/[,，\s]+/)
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const bad = entries.filter((e) => {
    const [address, prefix, ...rest] = e.split('/');
    const family = isIP(address ?? '');
    if (family === 0 || rest.length > 0) return true;
    if (prefix === undefined) return false;
    return !/^\d+$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128);
  });
  if (bad.length > 0 || entries.length === 0) {
    problems.push(
      `TRUST_PROXY 须为跳数（如 1）或代理的地址/网段（如 127.0.0.1,10.0.0.0/8），无效的：${bad.join(', ') || raw} (TRUST_PROXY: a hop count or comma-separated IPs/CIDRs; "true" is not accepted: it would trust any client's X-Forwarded-For)`,
    );
    return false;
  }
  return entries;
}

const SMS_PROVIDERS = ['tencent', 'aliyun', 'log'] as const;
const TENCENT_VARS = ['SMS_SECRET_ID', 'SMS_SECRET_KEY', 'SMS_SDK_APP_ID', 'SMS_SIGN_NAME', 'SMS_TEMPLATE_ID'] as const;
const ALIYUN_VARS = ['SMS_SECRET_ID', 'SMS_SECRET_KEY', 'SMS_SIGN_NAME', 'SMS_TEMPLATE_ID'] as const;

/** SMS_ENDPOINT: a host (`host[:port]`), with `http://` or `https://` (the default) before it. */
function parseSmsEndpoint(raw: string | undefined, problems: string[]): { protocol: 'http://' | 'https://'; host: string } | undefined {
  if (raw === undefined) return undefined;
  const url = parseUrl(/^[a-z]+:\/\//i.test(raw) ? raw : `https://${raw}`, ['http:', 'https:']);
  if (!url || (url.pathname !== '/' && url.pathname !== '')) {
    problems.push(`SMS_ENDPOINT 须为主机名（可带 http(s):// 与端口），收到 "${raw}"`);
    return undefined;
  }
  return { protocol: url.protocol === 'http:' ? 'http://' : 'https://', host: url.host };
}

/** SMS_PROVIDER and its variables (see README, 短信与微信配置). */
function parseSms(env: Env, production: boolean, problems: string[]): SmsConfig {
  const raw = value(env, 'SMS_PROVIDER');
  if (raw === undefined) return production ? { provider: 'none' } : { provider: 'log' };
  if (!(SMS_PROVIDERS as readonly string[]).includes(raw)) {
    problems.push(`SMS_PROVIDER 必须是 ${SMS_PROVIDERS.join('、')} 之一，收到 "${raw}"`);
    return { provider: 'none' };
  }
  if (raw === 'log') {
    if (production) problems.push('生产环境不能使用 SMS_PROVIDER=log（验证码不得写入生产日志） (SMS_PROVIDER=log is refused in production)');
    return { provider: 'log' };
  }
  const endpoint = parseSmsEndpoint(value(env, 'SMS_ENDPOINT'), problems);
  if (raw === 'aliyun') {
    const missing = ALIYUN_VARS.filter((name) => value(env, name) === undefined);
    if (missing.length > 0) problems.push(`SMS_PROVIDER=aliyun 还需要设置：${missing.join('、')}`);
    const templateCode = value(env, 'SMS_TEMPLATE_ID') ?? '';
    if (templateCode !== '' && !/^SMS_\d+$/.test(templateCode)) problems.push(`阿里云的 SMS_TEMPLATE_ID 是模板 CODE，如 SMS_123456789，收到 "${templateCode}"`);
    return {
      provider: 'aliyun',
      accessKeyId: value(env, 'SMS_SECRET_ID') ?? '',
      accessKeySecret: value(env, 'SMS_SECRET_KEY') ?? '',
      signName: value(env, 'SMS_SIGN_NAME') ?? '',
      templateCode,
      endpoint,
    };
  }
  const missing = TENCENT_VARS.filter((name) => value(env, name) === undefined);
  if (missing.length > 0) problems.push(`SMS_PROVIDER=tencent 还需要设置：${missing.join('、')}`);
  const templateId = value(env, 'SMS_TEMPLATE_ID') ?? '';
  if (templateId !== '' && !/^\d+$/.test(templateId)) problems.push(`SMS_TEMPLATE_ID 必须是数字模板 ID，收到 "${templateId}"`);
  const sdkAppId = value(env, 'SMS_SDK_APP_ID') ?? '';
  if (sdkAppId !== '' && !/^\d+$/.test(sdkAppId)) problems.push(`SMS_SDK_APP_ID 必须是数字应用 ID，收到 "${sdkAppId}"`);
  const region = value(env, 'SMS_REGION') ?? 'ap-guangzhou';
  if (!/^[a-z]+-[a-z]+(-\d+)?$/.test(region)) problems.push(`SMS_REGION 不是有效的地域，如 ap-guangzhou，收到 "${region}"`);
  return {
    provider: 'tencent',
    secretId: value(env, 'SMS_SECRET_ID') ?? '',
    secretKey: value(env, 'SMS_SECRET_KEY') ?? '',
    sdkAppId,
    signName: value(env, 'SMS_SIGN_NAME') ?? '',
    templateId,
    region,
    endpoint,
  };
}

/** MATCH_WEIGHTS: JSON with any of the weights' keys, each a number from 0 to 1000; the rest keep their defaults. */
function parseWeights(raw: string | undefined, problems: string[]): MatchWeights {
  if (raw === undefined) return { ...DEFAULT_MATCH_WEIGHTS };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push('MATCH_WEIGHTS 必须是 JSON，如 {"perKm": 5} (MATCH_WEIGHTS must be a JSON object)');
    return { ...DEFAULT_MATCH_WEIGHTS };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push('MATCH_WEIGHTS 必须是 JSON 对象 (MATCH_WEIGHTS must be a JSON object)');
    return { ...DEFAULT_MATCH_WEIGHTS };
  }
  const weights = { ...DEFAULT_MATCH_WEIGHTS };
  for (const [key, v] of Object.entries(parsed)) {
    if (!(key in DEFAULT_MATCH_WEIGHTS)) problems.push(`MATCH_WEIGHTS 中没有 "${key}"，可用：${Object.keys(DEFAULT_MATCH_WEIGHTS).join('、')}`);
    else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1000) problems.push(`MATCH_WEIGHTS.${key} 必须是 0 到 1000 之间的数`);
    else weights[key as keyof MatchWeights] = v;
  }
  return weights;
}

/**
 * OFFER_WAVES: JSON, a list of waves `{"k": 5, "radiusKm": 3, "minutes": 3}` (radiusKm null: anywhere in the
 * order's county), the last repeated with new people until someone accepts. Default: DEFAULT_OFFER_WAVES (shared).
 */
function parseOfferWaves(raw: string | undefined, problems: string[]): readonly OfferWave[] {
  if (raw === undefined) return DEFAULT_OFFER_WAVES;
  const example = '如 [{"k":3,"radiusKm":2,"minutes":2},{"k":2,"radiusKm":null,"minutes":15}]';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push(`OFFER_WAVES 必须是 JSON 数组，${example} (OFFER_WAVES must be a JSON array)`);
    return DEFAULT_OFFER_WAVES;
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > 20) {
    problems.push(`OFFER_WAVES 必须是 1 到 20 个波次的 JSON 数组，${example} (OFFER_WAVES must be a non-empty JSON array)`);
    return DEFAULT_OFFER_WAVES;
  }
  const waves: OfferWave[] = [];
  const int = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  for (const [i, w] of parsed.entries()) {
    const x = (typeof w === 'object' && w !== null ? w : {}) as Record<string, unknown>;
    const bad: string[] = [];
    if (!int(x.k, 1, 200)) bad.push('k 须为 1 到 200 的整数');
    if (!(x.radiusKm === null || (typeof x.radiusKm === 'number' && x.radiusKm > 0 && x.radiusKm <= 1000)))
      bad.push('radiusKm 须为 0 到 1000 之间的公里数或 null（不限）');
    if (!int(x.minutes, 1, 1440)) bad.push('minutes 须为 1 到 1440 的整数');
    if (bad.length > 0) problems.push(`OFFER_WAVES 第 ${i + 1} 波：${bad.join('；')}`);
    else waves.push({ k: x.k as number, radiusKm: x.radiusKm as number | null, minutes: x.minutes as number });
  }
  return waves.length === parsed.length ? waves : DEFAULT_OFFER_WAVES;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`配置有误 (invalid configuration):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The repository root: server/src/config.ts → ../.. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const NODE_ENVS: readonly NodeEnv[] = ['development', 'production', 'test'];
const MIN_SECRET_LENGTH = 32;

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'server', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

type Env = Record<string, string | undefined>;

/** An unset variable and an empty one mean the same: "use the default". */
function value(env: Env, name: string): string | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function parseInteger(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    problems.push(`${name} 必须是 ${min} 到 ${max} 之间的整数，收到 "${raw}" (${name} must be an integer in ${min}..${max})`);
    return fallback;
  }
  return Number(raw);
}

function parseBoolean(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const v = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  problems.push(`${name} 必须是 true 或 false，收到 "${raw}" (${name} must be true or false)`);
  return fallback;
}

function parseUrl(raw: string, protocols: string[]): URL | undefined {
  try {
    const url = new URL(raw);
    return protocols.includes(url.protocol) ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Validates the environment. Pure apart from reading the package version: the JWT secret of a development
 * machine is made by `ensureJwtSecret`, which writes under DATA_DIR.
 * `cwd` resolves a relative DATA_DIR (pnpm runs scripts inside the package, so the caller passes where the
 * person typed the command).
 */
export function parseConfig(env: Env, cwd: string = process.cwd()): Omit<AppConfig, 'jwtSecret'> & { jwtSecret: string | undefined } {
  const problems: string[] = [];

  const nodeEnvRaw = value(env, 'NODE_ENV') ?? 'development';
  let nodeEnv: NodeEnv = 'development';
  if ((NODE_ENVS as readonly string[]).includes(nodeEnvRaw)) nodeEnv = nodeEnvRaw as NodeEnv;
  else problems.push(`NODE_ENV 必须是 development、production 或 test 之一，收到 "${nodeEnvRaw}"`);
  const production = nodeEnv === 'production';

  const port = parseInteger(env, 'PORT', 3000, 0, 65535, problems);
  const host = value(env, 'HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:_[\]-]+$/.test(host)) problems.push(`HOST 不是有效的主机名或地址，收到 "${host}"`);

  const dataDirRaw = value(env, 'DATA_DIR');
  const dataDir = dataDirRaw ? path.resolve(cwd, dataDirRaw) : path.join(REPO_ROOT, '.data');

  const databaseUrl = value(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !parseUrl(databaseUrl, ['postgres:', 'postgresql:'])) {
    problems.push('DATABASE_URL 必须是 postgres://用户:密码@主机:端口/数据库 形式的地址 (DATABASE_URL must be a postgres:// URL)');
  }

  const jwtSecret = value(env, 'JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < MIN_SECRET_LENGTH) {
    problems.push(`JWT_SECRET 至少需要 ${MIN_SECRET_LENGTH} 个字符 (JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters)`);
  }
  if (production && jwtSecret === undefined) {
    problems.push('生产环境必须设置 JWT_SECRET (JWT_SECRET is required when NODE_ENV=production)');
  }

  const adminPhones = (value(env, 'ADMIN_PHONES') ?? '')
    .split(/[,，\s]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const badPhones = adminPhones.filter((p) => !isMainlandMobile(p));
  if (badPhones.length > 0) {
    problems.push(`ADMIN_PHONES 中有无效的手机号：${badPhones.join(', ')} (ADMIN_PHONES must be comma-separated 11-digit mobile numbers)`);
  }

  const appId = value(env, 'WECHAT_APPID');
  const secret = value(env, 'WECHAT_SECRET');
  if ((appId === undefined) !== (secret === undefined)) {
    problems.push('WECHAT_APPID 和 WECHAT_SECRET 必须同时设置或同时不设置 (set both or neither)');
  }
  const apiBase = value(env, 'WECHAT_API_BASE') ?? 'https://api.weixin.qq.com';
  if (!parseUrl(apiBase, ['http:', 'https:'])) {
    problems.push(`WECHAT_API_BASE 必须是 http(s) 地址，收到 "${apiBase}"`);
  }

  const sms = parseSms(env, production, problems);

  const demoData = parseBoolean(env, 'DEMO_DATA', !production, problems);
  // the API's full map is for developers: in production only when asked for
  const apiDocs = parseBoolean(env, 'API_DOCS', !production, problems);

  const logLevelRaw = value(env, 'LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info');
  let logLevel: LogLevel = 'info';
  if ((LOG_LEVELS as readonly string[]).includes(logLevelRaw)) logLevel = logLevelRaw as LogLevel;
  else problems.push(`LOG_LEVEL 必须是 ${LOG_LEVELS.join('、')} 之一，收到 "${logLevelRaw}"`);

  const dbPoolSize = parseInteger(env, 'DB_POOL_SIZE', 10, 1, 200, problems);
  const matchWeights = parseWeights(value(env, 'MATCH_WEIGHTS'), problems);
  const maxActiveTasks = parseInteger(env, 'MATCH_MAX_ACTIVE_TASKS', DEFAULT_MAX_ACTIVE_TASKS, 1, 50, problems);
  const autoDispatchAcceptMinutes = parseInteger(env, 'AUTO_DISPATCH_ACCEPT_MINUTES', 5, 1, 1440, problems);
  const poolOfferMinutes = parseInteger(env, 'POOL_OFFER_MINUTES', 10, 1, 1440, problems);
  const offerWaves = parseOfferWaves(value(env, 'OFFER_WAVES'), problems);
  const volunteerContactHours = parseInteger(env, 'VOLUNTEER_CONTACT_HOURS', 24, 0, 24 * 30, problems);
  // a phone photo is 1–4 MB; WeChat's chooseImage can compress it further
  const uploadMaxBytes = parseInteger(env, 'UPLOAD_MAX_BYTES', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024, problems);
  // a workbook is read whole into memory (exceljs): 5 MB of xlsx is ~50,000 ledger rows, beyond the row limit
  const importMaxBytes = parseInteger(env, 'IMPORT_MAX_BYTES', 5 * 1024 * 1024, 1024, 50 * 1024 * 1024, problems);
  const importMaxRows = parseInteger(env, 'IMPORT_MAX_ROWS', 20_000, 1, 200_000, problems);

  const trustProxy = parseTrustProxy(value(env, 'TRUST_PROXY'), problems);
  const uploadDailyCount = parseInteger(env, 'UPLOAD_DAILY_COUNT', 50, 1, 100_000, problems);
  const uploadDailyBytes = parseInteger(env, 'UPLOAD_DAILY_BYTES', 100 * 1024 * 1024, 1024, 1024 * 1024 * 1024 * 1024, problems);
  if (uploadDailyBytes < uploadMaxBytes) {
    problems.push(`UPLOAD_DAILY_BYTES 不能小于 UPLOAD_MAX_BYTES（${uploadMaxBytes}） (UPLOAD_DAILY_BYTES must be at least UPLOAD_MAX_BYTES)`);
  }
  const orderLimits = {
    openPerResident: parseInteger(env, 'ORDER_OPEN_LIMIT', 10, 1, 1_000_000, problems),
    dailyPerResident: parseInteger(env, 'ORDER_DAILY_LIMIT', 30, 1, 1_000_000, problems),
    dailyPerProxy: parseInteger(env, 'PROXY_ORDER_DAILY_LIMIT', 200, 1, 1_000_000, problems),
  };
  const hallMaxTasksInHand = parseInteger(env, 'HALL_MAX_TASKS', maxActiveTasks, 1, 1_000_000, problems);
  const urgeMinIntervalMinutes = parseInteger(env, 'URGE_MIN_INTERVAL_MINUTES', 10, 0, 1440, problems);
  // a week: long enough for a repair that failed again after a few days, short enough that points are settled
  const reopenAfterConfirmDays = parseInteger(env, 'REOPEN_AFTER_CONFIRM_DAYS', 7, 0, 90, problems);
  // two days: a visitor who missed a week's round has the weekend to catch up before their community hears of it
  const visitEscalateHours = parseInteger(env, 'VISIT_ESCALATE_HOURS', 48, 1, 24 * 30, problems);
  // An urgent visit is due within the hour of accepting (urgent categories must be accepted within 20–480 minutes,
  // most within an hour): long enough to get there across a town, short enough that a resident waiting for medicine
  // is not left the afternoon. A normal one without an agreed time within half a day (four hours: the errands'
  // and escorts' acceptance window). Half an hour after the reminder the volunteer has either answered by going or
  // is not coming.
  const noShow: NoShowConfig = {
    normalMinutes: parseInteger(env, 'NO_SHOW_MINUTES', 240, 10, 7 * 1440, problems),
    urgentMinutes: parseInteger(env, 'NO_SHOW_URGENT_MINUTES', 60, 5, 1440, problems),
    graceMinutes: parseInteger(env, 'NO_SHOW_GRACE_MINUTES', 30, 1, 1440, problems),
  };
  if (noShow.urgentMinutes > noShow.normalMinutes) {
    problems.push(
      `NO_SHOW_URGENT_MINUTES（${noShow.urgentMinutes}）不能大于 NO_SHOW_MINUTES（${noShow.normalMinutes}） (an urgent order cannot be given longer than a normal one)`,
    );
  }

  const miniprogramState = value(env, 'WECHAT_MINIPROGRAM_STATE') ?? 'formal';
  if (!(MINIPROGRAM_STATES as readonly string[]).includes(miniprogramState)) {
    problems.push(`WECHAT_MINIPROGRAM_STATE 须为 formal、trial 或 developer，收到 "${miniprogramState}"`);
  }
  const notify: NotifyConfig = {
    // tests run the jobs they need themselves
    jobConcurrency: parseInteger(env, 'JOB_CONCURRENCY', nodeEnv === 'test' ? 0 : 4, 0, 100, problems),
    wechatTemplates: {
      orderStatus: value(env, 'WECHAT_TEMPLATE_ORDER_STATUS'),
      newTask: value(env, 'WECHAT_TEMPLATE_NEW_TASK'),
      alarm: value(env, 'WECHAT_TEMPLATE_ALARM'),
    },
    miniprogramState: miniprogramState as NotifyConfig['miniprogramState'],
    smsTemplate: value(env, 'SMS_NOTIFY_TEMPLATE'),
    smsDailyCap: parseInteger(env, 'SMS_DAILY_CAP', 10, 0, 1000, problems),
    quietHours: parseQuietHours(value(env, 'QUIET_HOURS'), problems),
    nearbyLimit: parseInteger(env, 'NEARBY_NOTIFY_LIMIT', 5, 0, 100, problems),
    nearbyThrottleMinutes: parseInteger(env, 'NEARBY_NOTIFY_MINUTES', 10, 0, 1440, problems),
    countyOverdueMinutes: parseInteger(env, 'COUNTY_OVERDUE_MINUTES', 60, 5, 7 * 1440, problems),
    // half an hour: at the top level nobody else will pick it up, so the county's people hear of it twice an hour
    countyAlarmRepeatMinutes: parseInteger(env, 'COUNTY_ALARM_REPEAT_MINUTES', 30, 5, 1440, problems),
    // Offers to several are answered within minutes or not at all (docs/simulation.md: a notified person looks within
    // ~3 min by WeChat, ~8 by SMS); by 10 minutes (4 when urgent) the person answerable for the resident should be
    // phoning round, not waiting for the category's deadline (often hours) to escalate it.
    responsibleAlarmMinutes: parseInteger(env, 'RESPONSIBLE_ALARM_MINUTES', 10, 1, 1440, problems),
    responsibleAlarmUrgentMinutes: parseInteger(env, 'RESPONSIBLE_ALARM_URGENT_MINUTES', 4, 1, 1440, problems),
  };

  const h5DirRaw = value(env, 'H5_DIR');
  const h5Dir = h5DirRaw ? path.resolve(cwd, h5DirRaw) : path.join(REPO_ROOT, 'miniapp', 'dist', 'h5');

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    nodeEnv,
    port,
    host,
    dataDir,
    databaseUrl,
    jwtSecret,
    adminPhones,
    wechat: { appId, secret, apiBase: apiBase.replace(/\/+$/, '') },
    sms,
    demoData,
    h5Dir,
    logLevel,
    dbPoolSize,
    matchWeights,
    maxActiveTasks,
    autoDispatchAcceptMinutes,
    poolOfferMinutes,
    offerWaves,
    volunteerContactHours,
    uploadMaxBytes,
    importMaxBytes,
    importMaxRows,
    apiDocs,
    trustProxy,
    uploadDailyCount,
    uploadDailyBytes,
    orderLimits,
    hallMaxTasksInHand,
    noShow,
    urgeMinIntervalMinutes,
    reopenAfterConfirmDays,
    visitEscalateHours,
    notify,
    version: readVersion(),
  };
}

/**
 * Outside production a missing JWT_SECRET is generated once and kept in DATA_DIR/jwt-secret (mode 600),
 * so logins survive a restart and several processes sharing the DATA_DIR agree on it.
 */
export function ensureJwtSecret(dataDir: string): string {
  const file = path.join(dataDir, 'jwt-secret');
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= MIN_SECRET_LENGTH) return secret;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

/** parseConfig, then the development secret: what the server calls at start. */
export function loadConfig(env: Env = process.env, cwd: string = env.INIT_CWD ?? process.cwd()): AppConfig {
  const parsed = parseConfig(env, cwd);
  return { ...parsed, jwtSecret: parsed.jwtSecret ?? ensureJwtSecret(parsed.dataDir) };
}
