import { summarizeDetails, type ErrorDetail } from '@bangbang/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { NotFoundError, ValidationFailedError } from '../errors';

/**
 * What every request must be before any validator or the database sees it, whatever the route:
 *
 * - no NUL character (`\u0000`) in a path parameter, a query string or anywhere in the body, values or property
 *   names: PostgreSQL refuses it in text (`invalid byte sequence for encoding "UTF8": 0x00`), which would be a 500.
 *   It is refused, not stripped, so what is stored is what the person sent.
 * - a body nested at most `MAX_DEPTH` deep: class-transformer and class-validator walk a body recursively, and
 *   JSON nested ten thousand deep overflows their stack (a 500). No request of this API nests more than a few levels.
 *
 * Both are a 400 in the error contract naming the field (`description`, `location.lat`, `q`, or `body`); a NUL in a
 * path parameter is a 404, as for any malformed id or name.
 */

/** Deeper than any request body of this API (the deepest, a roster, is `slots[0].start`: 3). */
export const MAX_DEPTH = 32;

const NUL = '\u0000';
const NUL_MESSAGE = '不能包含空字符（\\u0000）';

/** Where a value sits in the request: its parent's place and its key (the text is made only for a refusal). */
interface Place {
  parent: Place | undefined;
  key: string | number;
}

/** How a path inside the request is written in `details[].field`; a NUL in a property name is shown escaped. */
function fieldOf(place: Place | undefined): string {
  if (place === undefined) return '';
  const parent = fieldOf(place.parent);
  if (typeof place.key === 'number') return `${parent}[${place.key}]`;
  const shown = place.key.replaceAll(NUL, '\\u0000');
  return parent ? `${parent}.${shown}` : shown;
}

/**
 * The first problem in `value` (a parsed JSON body or a query/params object), or undefined. Iterative, so the walk
 * itself cannot overflow the stack whatever the nesting; every request passes here, so a field's name is written
 * out only when it is refused.
 */
export function inspectInput(value: unknown, root: string): ErrorDetail | undefined {
  const stack: Array<{ value: unknown; place: Place | undefined; depth: number }> = [{ value, place: undefined, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v === 'string') {
      if (v.includes(NUL)) return { field: fieldOf(item.place) || root, message: NUL_MESSAGE };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (item.depth >= MAX_DEPTH) return { field: root, message: `嵌套太深（最多 ${MAX_DEPTH} 层）` };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i -= 1) stack.push({ value: v[i], place: { parent: item.place, key: i }, depth: item.depth + 1 });
      continue;
    }
    for (const key in v) {
      if (!Object.hasOwn(v, key)) continue;
      const place = { parent: item.place, key };
      if (key.includes(NUL)) return { field: fieldOf(place), message: NUL_MESSAGE };
      stack.push({ value: (v as Record<string, unknown>)[key], place, depth: item.depth + 1 });
    }
  }
  return undefined;
}

function refuse(detail: ErrorDetail): never {
  throw new ValidationFailedError(summarizeDetails([detail]), [detail]);
}

async function inputGuard(app: FastifyInstance): Promise<void> {
  // preValidation: after the body is parsed, before Fastify's own schema (params) and every route's validateBody.
  app.addHook('preValidation', async (request: FastifyRequest) => {
    // A path parameter names a thing (an id, a category code, a photo's file name), and no name holds a NUL:
    // like any malformed id it names nothing, so 404, as everywhere else (without a database round trip).
    if (inspectInput(request.params, 'params')) throw new NotFoundError('找不到：路径中含有空字符。');
    for (const [part, root] of [
      [request.query, 'query'],
      [request.body, 'body'],
    ] as const) {
      const problem = inspectInput(part, root);
      if (problem) refuse(problem);
    }
  });
}

export default fp(inputGuard, { name: 'input-guard', dependencies: ['error-handler'], fastify: '5.x' });
