import { validateDto, summarizeDetails } from '@bangbang/shared';
import type { ClassConstructor } from 'class-transformer';
import type { FastifyRequest, preValidationAsyncHookHandler } from 'fastify';
import { ValidationFailedError } from '../errors';

/**
 * Which DTO each hook made by `validateBody`/`validateQuery` validates with. The OpenAPI document (openapi.ts)
 * reads it from a route's `preValidation`, so the documented body is the class that really validates it.
 */
const VALIDATED_BY = new WeakMap<object, { part: 'body' | 'query'; dto: ClassConstructor<object> }>();

/** The DTO a `validateBody`/`validateQuery` hook validates with, or undefined for any other hook. */
export function validatedBy(hook: unknown): { part: 'body' | 'query'; dto: ClassConstructor<object> } | undefined {
  return typeof hook === 'function' ? VALIDATED_BY.get(hook) : undefined;
}

/**
 * Request bodies are validated by the shared class-validator DTOs (the same classes the mini-program uses),
 * with unknown properties rejected. Use as a route's `preValidation`; the handler then reads
 * `request.body as Dto` — an instance of the class, validated.
 */
export function validateBody<T extends object>(dto: ClassConstructor<T>): preValidationAsyncHookHandler {
  const hook = async function validateBodyHook(request: FastifyRequest) {
    const result = validateDto(dto, request.body ?? {});
    if (!result.ok) throw new ValidationFailedError(summarizeDetails(result.details), result.details);
    request.body = result.value;
  };
  VALIDATED_BY.set(hook, { part: 'body', dto });
  return hook;
}

/** The same for query strings (values arrive as strings: DTOs use @Type(() => Number) where they need numbers). */
export function validateQuery<T extends object>(dto: ClassConstructor<T>): preValidationAsyncHookHandler {
  const hook = async function validateQueryHook(request: FastifyRequest) {
    const result = validateDto(dto, { ...(request.query as object) });
    if (!result.ok) throw new ValidationFailedError(summarizeDetails(result.details), result.details);
    request.query = result.value;
  };
  VALIDATED_BY.set(hook, { part: 'query', dto });
  return hook;
}
