import { validateDto, summarizeDetails } from '@bangbang/shared';
import type { ClassConstructor } from 'class-transformer';
import type { FastifyRequest, preValidationAsyncHookHandler } from 'fastify';
import { ValidationFailedError } from '../errors';

/**
 * Request bodies are validated by the shared class-validator DTOs (the same classes the mini-program uses),
 * with unknown properties rejected. Use as a route's `preValidation`; the handler then reads
 * `request.body as Dto` — an instance of the class, validated.
 */
export function validateBody<T extends object>(dto: ClassConstructor<T>): preValidationAsyncHookHandler {
  return async function validateBodyHook(request: FastifyRequest) {
    const result = validateDto(dto, request.body ?? {});
    if (!result.ok) throw new ValidationFailedError(summarizeDetails(result.details), result.details);
    request.body = result.value;
  };
}

/** The same for query strings (values arrive as strings: DTOs use @Type(() => Number) where they need numbers). */
export function validateQuery<T extends object>(dto: ClassConstructor<T>): preValidationAsyncHookHandler {
  return async function validateQueryHook(request: FastifyRequest) {
    const result = validateDto(dto, { ...(request.query as object) });
    if (!result.ok) throw new ValidationFailedError(summarizeDetails(result.details), result.details);
    request.query = result.value;
  };
}
