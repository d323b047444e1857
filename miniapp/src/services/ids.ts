/**
 * A random UUID v4 for `Idempotency-Key`. Mini-programs have no `crypto.randomUUID`; the key only has to be unique
 * among one person's orders, which Math.random's 122 bits do amply.
 */
export function newIdempotencyKey(): string {
  const hex = '0123456789abcdef';
  let out = '';
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) out += '-';
    else if (i === 14) out += '4';
    else if (i === 19) out += hex[8 + Math.floor(Math.random() * 4)];
    else out += hex[Math.floor(Math.random() * 16)];
  }
  return out;
}
