import { DEFAULT_ERROR_MESSAGES, ERROR_HTTP_STATUS, ErrorCode, summarizeDetails, withoutProgramNames, type ErrorDetail } from '@bangbang/shared';

/**
 * Typed domain errors. Services throw these; the error handler turns them into the error contract.
 * `message` is what the person sees: always a Chinese sentence.
 */
export class AppError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string = DEFAULT_ERROR_MESSAGES[code],
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = new.target.name;
    this.statusCode = ERROR_HTTP_STATUS[code];
  }
}

export class ValidationFailedError extends AppError {
  constructor(message?: string, details?: ErrorDetail[]) {
    super(ErrorCode.VALIDATION_FAILED, message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message?: string) {
    super(ErrorCode.UNAUTHORIZED, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message?: string) {
    super(ErrorCode.FORBIDDEN, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message?: string) {
    super(ErrorCode.NOT_FOUND, message);
  }
}

export class ConflictError extends AppError {
  constructor(message?: string, details?: ErrorDetail[]) {
    super(ErrorCode.CONFLICT, message, details);
  }
}

/** 429: a limit was reached. When it is known when it lifts, the answer says so in a Retry-After header too. */
export class RateLimitedError extends AppError {
  constructor(
    message: string,
    /** Seconds until the limit lifts; undefined: not known (the message says what to do). */
    readonly retryAfterSeconds?: number,
  ) {
    super(ErrorCode.RATE_LIMITED, message);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message?: string) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message);
  }
}

/** A 400 naming one field, e.g. `fieldError('leaderId', '新负责人须先加入小分队')`. */
export function fieldError(field: string, message: string): ValidationFailedError {
  // the field's (English) name is for programs: in details only, never in the sentence a person reads
  const detail = { field, message: withoutProgramNames(message) };
  return new ValidationFailedError(summarizeDetails([detail]), [detail]);
}

/** Ids in paths are uuids; anything else cannot exist (answered 404 without a database round trip). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
