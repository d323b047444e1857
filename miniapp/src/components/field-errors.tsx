import { useState } from 'react';
import { Text } from '@tarojs/components';
import { validateDto, type ErrorDetail } from '@bangbang/shared';
import { ApiError } from '../services/api';
import { errorMessage } from './feedback';
import './field-errors.css';

/** A message per field (`name`, `center.lat`), as the shared DTO or the server named it. */
export type FieldErrors = Record<string, string>;

function byField(details: readonly ErrorDetail[]): FieldErrors {
  const out: FieldErrors = {};
  for (const d of details) out[d.field] ??= d.message;
  return out;
}

/**
 * The errors of one form, checked twice with the same rules: before sending, by the shared DTO the server validates
 * with (`check`), and after, from the server's answer (`fromError`: its details beside their fields; a message
 * naming no field — 404, a conflict without a field — over the form's button).
 */
export function useFieldErrors() {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState('');
  const clear = () => {
    setErrors({});
    setFormError('');
  };
  return {
    errors,
    formError,
    clear,
    /** True when the body passes the DTO; otherwise its fields are marked and nothing should be sent. */
    check<T extends object>(dto: Parameters<typeof validateDto<T>>[0], body: object): boolean {
      const result = validateDto(dto, body);
      if (result.ok) {
        clear();
        return true;
      }
      setErrors(byField(result.details));
      setFormError('');
      return false;
    },
    /** What the server answered, placed where the person will look. */
    fromError(error: unknown): void {
      const details = error instanceof ApiError ? error.details.filter((d) => d.field !== 'body') : [];
      setErrors(byField(details));
      setFormError(details.length > 0 ? '' : errorMessage(error));
    },
  };
}

/** The message for a field, in red under it (nothing when the field is fine). */
export function FieldError({ errors, field, className }: { errors: FieldErrors; field: string; className?: string }) {
  const message = errors[field];
  if (message === undefined) return null;
  return <Text className={`field-error field-error--${field.replace(/\W/g, '-')} ${className ?? ''}`}>{message}</Text>;
}

/** A message for the form as a whole (a conflict, a place out of reach), over its button. */
export function FormError({ message }: { message: string }) {
  if (message === '') return null;
  return <Text className='field-error field-error--form'>{message}</Text>;
}
