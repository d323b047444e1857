import Taro from '@tarojs/taro';
import { DEFAULT_ERROR_MESSAGES, HEALTH_PATH, isErrorBody, type ErrorCode, type ErrorDetail, type HealthResponse } from '@bangbang/shared';

/**
 * The one way the mini-program talks to the API: every page goes through `request`, none calls `Taro.request`.
 * Errors always arrive as an `ApiError` whose `message` is a Chinese sentence fit to show as it is.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The code the client adds to the server's contract: no answer came back at all. */
export type ClientErrorCode = 'NETWORK_ERROR';

export const NETWORK_ERROR_MESSAGE = '网络不给力，请重试';

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** HTTP status; 0 when no response came back (network failure, timeout). */
    readonly status: number,
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    /** The fields a request got wrong (`VALIDATION_FAILED`); empty otherwise. */
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

/** Where the login token (Bearer) is kept; the login flow writes it, `request` reads it on every call. */
export const TOKEN_STORAGE_KEY = 'bangbang.token';

export function getToken(): string | undefined {
  const token: unknown = Taro.getStorageSync(TOKEN_STORAGE_KEY);
  return typeof token === 'string' && token !== '' ? token : undefined;
}

export function setToken(token: string): void {
  Taro.setStorageSync(TOKEN_STORAGE_KEY, token);
}

export function clearToken(): void {
  Taro.removeStorageSync(TOKEN_STORAGE_KEY);
}

/** Replaced at build time (config/index.ts): '' = the page's own origin (H5), an absolute origin for weapp. */
const API_BASE = process.env.TARO_APP_API_BASE;

const TIMEOUT_MS = 15_000;

/**
 * Methods safe to send twice. A POST whose connection dropped may still have created the order (下单) on the
 * server, so it is not repeated behind the person's back; they see the network message and decide.
 */
const IDEMPOTENT = new Set<HttpMethod>(['GET', 'PUT', 'DELETE']);

/** What Taro hands back: parsed JSON, or the raw text when the body was not JSON (null on H5). */
type ResponseData = string | TaroGeneral.IAnyObject | ArrayBuffer;

export interface RequestOptions {
  /**
   * Retry once on a network failure. Default: only for idempotent methods (GET, PUT, DELETE); a POST carrying an
   * `Idempotency-Key` may set it, since the server then turns a repeat into the same order.
   */
  retry?: boolean;
  /** Extra request headers, e.g. `Idempotency-Key` on `POST /orders` so a double tap never orders twice. */
  headers?: Record<string, string>;
}

/**
 * Called when the server answers 401 to a request that carried a token (expired or revoked): the session layer
 * registers a handler that forgets the token and goes back to the login page. Kept as a hook so this module stays
 * free of navigation (and testable in Node).
 */
let onUnauthorized: (() => void) | undefined;

export function setUnauthorizedHandler(handler: (() => void) | undefined): void {
  onUnauthorized = handler;
}

/**
 * Turns what came back into the parsed 2xx body or an `ApiError`. Shared by `request` and `upload`, so both read
 * errors the same way.
 */
function interpret<T>(status: number, data: unknown, hadToken: boolean): T {
  if (status === 204) return undefined as T;
  // Our API answers every other request with a JSON object or list; anything else (an HTML page, an empty body)
  // came from something in front of it or in its place: a proxy's error page, a static server with no API behind.
  const json = typeof data === 'object' && data !== null && !(data instanceof ArrayBuffer);
  if (status >= 200 && status < 300 && json) return data as T;
  if (isErrorBody(data)) {
    if (status === 401 && hadToken) onUnauthorized?.();
    throw new ApiError(status, data.code, data.message, data.details ?? []);
  }
  throw new ApiError(status, 'SERVICE_UNAVAILABLE', DEFAULT_ERROR_MESSAGES.SERVICE_UNAVAILABLE);
}

/** Drops undefined values so they never reach a query string as the word "undefined". */
function compact(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

/**
 * Sends `body` as JSON (for GET, as the query string) to `API_BASE + path` and resolves with the parsed 2xx body
 * (`undefined` for 204). Rejects with an `ApiError`: the server's error body as it is; `SERVICE_UNAVAILABLE` for an
 * answer that is not our API's (not JSON, or an error not in the contract's shape); `NETWORK_ERROR` when no answer
 * came back (after one retry for idempotent methods).
 */
export async function request<T>(method: HttpMethod, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const header: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (body !== undefined && method !== 'GET') header['Content-Type'] = 'application/json';
  const token = getToken();
  if (token !== undefined) header.Authorization = `Bearer ${token}`;

  const send = () =>
    Taro.request<ResponseData, TaroGeneral.IAnyObject>({
      url: `${API_BASE}${path}`,
      method,
      header,
      timeout: TIMEOUT_MS,
      dataType: 'json',
      // JSON-serialisable by contract; Taro's type only admits objects and strings.
      ...(body === undefined ? {} : { data: compact(body) as TaroGeneral.IAnyObject }),
    });

  let response: Taro.request.SuccessCallbackResult<ResponseData>;
  try {
    response = await send();
  } catch {
    if (!(options.retry ?? IDEMPOTENT.has(method))) throw new ApiError(0, 'NETWORK_ERROR', NETWORK_ERROR_MESSAGE);
    try {
      response = await send();
    } catch {
      throw new ApiError(0, 'NETWORK_ERROR', NETWORK_ERROR_MESSAGE);
    }
  }

  return interpret<T>(response.statusCode, response.data, token !== undefined);
}

/**
 * Sends one local file (a photo from `Taro.chooseImage`) as multipart field `name` to `API_BASE + path` with the
 * token, and reads the answer like `request` does. Never retried: an upload that may have arrived is not sent twice
 * behind the person's back (they can tap again).
 */
export async function upload<T>(path: string, filePath: string, name = 'file'): Promise<T> {
  const header: Record<string, string> = { Accept: 'application/json' };
  const token = getToken();
  if (token !== undefined) header.Authorization = `Bearer ${token}`;
  let response: Taro.uploadFile.SuccessCallbackResult;
  try {
    response = await Taro.uploadFile({ url: `${API_BASE}${path}`, filePath, name, header, timeout: 60_000 });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', NETWORK_ERROR_MESSAGE);
  }
  // uploadFile hands back the body as text whatever it is
  let data: unknown = response.data;
  if (typeof data === 'string') {
    try {
      data = data === '' ? null : JSON.parse(data);
    } catch {
      data = null;
    }
  }
  return interpret<T>(response.statusCode, data, token !== undefined);
}

function isHealthResponse(value: unknown): value is HealthResponse {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (v.status === 'ok' || v.status === 'unavailable') && typeof v.version === 'string';
}

/**
 * `GET /api/v1/health`. Resolves only when the API and its database are up; a 503 (database down: its body is a
 * health body, not an error body) rejects with the contract's "service unavailable" message, as does any 200 that
 * is not a health body.
 */
export async function getHealth(): Promise<HealthResponse> {
  const health = await request<unknown>('GET', HEALTH_PATH);
  if (!isHealthResponse(health)) {
    throw new ApiError(200, 'SERVICE_UNAVAILABLE', DEFAULT_ERROR_MESSAGES.SERVICE_UNAVAILABLE);
  }
  return health;
}

/** A server-relative address (an uploaded photo, `/api/v1/uploads/…`) made absolute for an `<Image>` in weapp. */
export function assetUrl(url: string): string {
  return url.startsWith('/') ? `${API_BASE}${url}` : url;
}

/** The little of the browser's DOM a download needs. */
interface BrowserDocument {
  createElement(tag: 'a'): { href: string; download: string; click(): void; remove(): void };
  body: { appendChild(node: unknown): unknown };
}

/** The name the server gave a file (`filename*=UTF-8''…` of Content-Disposition), or undefined. */
function dispositionName(header: string | null | undefined): string | undefined {
  const m = /filename\*=UTF-8''([^;]+)/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
}

/** Turns an error reply read as text (a download that failed) into the `ApiError` `request` would have thrown. */
function downloadError(status: number, text: string, hadToken: boolean): never {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = null;
  }
  return interpret<never>(status, data, hadToken);
}

function queryString(query: Record<string, string | undefined>): string {
  const parts = Object.entries(query).flatMap(([k, v]) => (v === undefined ? [] : [`${encodeURIComponent(k)}=${encodeURIComponent(v)}`]));
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/**
 * Downloads a file the API makes (an import template, an exported ledger: Excel or CSV) with the login token, and hands it to the
 * person. In the browser: `fetch`, then the browser saves it under the server's file name. In WeChat:
 * `Taro.downloadFile` (the header carries the token; the API's host must be a 「downloadFile 合法域名」), then
 * `Taro.openDocument` shows it, with the menu to forward or save it (WeChat opens .xlsx, not .csv). Rejects with an
 * `ApiError` carrying the server's Chinese message, as `request` does. Answers the file's name.
 */
export async function download(path: string, query: Record<string, string | undefined>, fallbackName: string): Promise<string> {
  const header: Record<string, string> = {};
  const token = getToken();
  if (token !== undefined) header.Authorization = `Bearer ${token}`;
  const url = `${API_BASE}${path}${queryString(query)}`;

  if (process.env.TARO_ENV === 'h5') {
    let res: Response;
    try {
      res = await fetch(url, { headers: header });
    } catch {
      throw new ApiError(0, 'NETWORK_ERROR', NETWORK_ERROR_MESSAGE);
    }
    if (!res.ok) downloadError(res.status, await res.text(), token !== undefined);
    const name = dispositionName(res.headers.get('content-disposition')) ?? fallbackName;
    const blob = await res.blob();
    const href = URL.createObjectURL(blob);
    // the page's document (H5 only; typed here, the mini-program's types have no DOM)
    const { document } = globalThis as unknown as { document: BrowserDocument };
    const a = document.createElement('a');
    a.href = href;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    // the browser has taken the file by the next turn; the object URL need not outlive it
    setTimeout(() => URL.revokeObjectURL(href), 60_000);
    return name;
  }

  let res: Taro.downloadFile.FileSuccessCallbackResult;
  try {
    res = await Taro.downloadFile({ url, header, timeout: 120_000 });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', NETWORK_ERROR_MESSAGE);
  }
  if (res.statusCode !== 200) {
    let text: string;
    try {
      text = Taro.getFileSystemManager().readFileSync(res.tempFilePath, 'utf8') as string;
    } catch {
      text = '';
    }
    downloadError(res.statusCode, text, token !== undefined);
  }
  const type = fallbackName.endsWith('.csv') ? undefined : 'xlsx';
  await Taro.openDocument({ filePath: res.tempFilePath, showMenu: true, ...(type ? { fileType: type } : {}) });
  return fallbackName;
}
