import { useState } from 'react';
import { Text } from '@tarojs/components';
import { validateDto, type ErrorDetail } from '@bangbang/shared';
import { ApiError } from '../services/api';
import { errorMessage } from './feedback';
import './field-errors.css';

/** Whether `detail` is about `field` or something inside it (`slots[1].end` is about `slots[1]`, `center.lat` about `center`). */
function isAbout(detail: string, field: string): boolean {
  return detail === field || detail.startsWith(`${field}.`) || detail.startsWith(`${field}[`);
}

export interface FieldErrors {
  /** The message for a field (and what is inside it), from the shared DTO here or from the server. */
  of: (field: string) => string | undefined;
  /** One line over the buttons: what went wrong, in the form's own words (never a request field's name). */
  summary: string;
  /** Validates `body` with the shared DTO the server uses; false (and the fields marked) when it would be refused. */
  check: <T extends object>(cls: new () => T, body: object) => boolean;
  /** Shows what the server said: its details beside their fields, its sentence when it named none. */
  take: (error: unknown) => void;
  /** Marks fields by a rule of the screen's own (the same the server applies), with the sentence to show over the buttons. */
  mark: (details: ErrorDetail[], sentence: string) => void;
  clear: () => void;
}

/**
 * The errors of one form, checked twice with the same rules: before sending, by the shared DTO the server validates
 * with (`check`), and after, from the server's answer (`take`). `labels` names the form's fields in Chinese
 * (`{ name: '姓名' }`), so the summary can say 「姓名：最多 40 个字符」 where the server's sentence would name the
 * field as the request does.
 */
export function useFieldErrors(labels: Record<string, string>): FieldErrors {
  const [details, setDetails] = useState<ErrorDetail[]>([]);
  const [sentence, setSentence] = useState('');
  const show = (list: ErrorDetail[], said: string) => {
    setDetails(list);
    setSentence(said);
  };
  const labelOf = (field: string) => labels[field.split(/[.[]/)[0] ?? ''] ?? '内容';
  const summary =
    sentence !== '' || details.length === 0 ? sentence : `请修改标出的内容：${details.map((d) => `${labelOf(d.field)}：${d.message}`).join('；')}`;
  return {
    of: (field) => {
      // a field with several parts wrong (纬度 and 经度 of a centre) says each once
      const messages = [...new Set(details.filter((d) => isAbout(d.field, field)).map((d) => d.message))];
      return messages.length > 0 ? messages.join('；') : undefined;
    },
    summary,
    check: (cls, body) => {
      const result = validateDto(cls, body);
      show(result.ok ? [] : result.details, '');
      return result.ok;
    },
    take: (error) => {
      const list = error instanceof ApiError ? error.details.filter((d) => d.field !== 'body') : [];
      show(list, list.length > 0 ? '' : errorMessage(error));
    },
    mark: show,
    clear: () => show([], ''),
  };
}

/** The message beside a field, in red under it; nothing when the field is fine. */
export function FieldError({ errors, field }: { errors: FieldErrors; field: string }) {
  const message = errors.of(field);
  if (message === undefined) return null;
  return <Text className={`field-error field-error--${field.replace(/\W/g, '-')}`}>{message}</Text>;
}

/** The form's summary line over its buttons (a conflict, a place out of reach, what to correct). */
export function FormProblem({ errors }: { errors: FieldErrors }) {
  if (errors.summary === '') return null;
  return <Text className='field-error field-error--form'>{errors.summary}</Text>;
}
