/**
 * The error contract: every error the API returns is an HTTP status plus this JSON body.
 * The mini-program shows `message` to people as it is, so it is always a Chinese sentence a person understands;
 * `details` names the fields a request got wrong.
 */
export const ErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  /** 点单 of a service the resident already has an open order of: `details[0].order` names it (催一下 instead). */
  ORDER_REPEATED: 'ORDER_REPEATED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorDetail {
  /** The field's path in the request, e.g. `phone`, `location.lat`, `slots[0].start`; `body` for the body as a whole. */
  field: string;
  message: string;
  /** ORDER_REPEATED: the resident's open order of the same service (to open, or to 催一下). */
  order?: { id: string; status: string; categoryName: string };
  /** 导入台账: the workbook's row (Excel's number, the header is row 1) and column (its Chinese header). */
  row?: number;
  column?: string;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
}

/** The HTTP status each code is sent with. */
export const ERROR_HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  ORDER_REPEATED: 409,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** What is said when nothing more precise is known. */
export const DEFAULT_ERROR_MESSAGES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: '请求内容有误，请检查后再试。',
  UNAUTHORIZED: '请先登录。',
  FORBIDDEN: '您没有权限进行此操作。',
  NOT_FOUND: '您要找的内容不存在。',
  CONFLICT: '操作冲突，请刷新后再试。',
  RATE_LIMITED: '操作太频繁，请稍后再试。',
  ORDER_REPEATED: '这项服务您已有一个需求正在办理。',
  SERVICE_UNAVAILABLE: '服务暂时不可用，请稍后再试。',
  INTERNAL: '服务器出了点问题，请稍后再试。',
};

const CODES = new Set<string>(Object.values(ErrorCode));

/** True for a value shaped like the contract's body (used by the client to tell our errors from a proxy's page). */
export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && CODES.has(v.code) && typeof v.message === 'string';
}

/** The status for a code; codes are closed, so this never misses. */
export function statusForCode(code: ErrorCode): number {
  return ERROR_HTTP_STATUS[code];
}
