/**
 * Privacy (residents are vulnerable people): phone numbers and exact addresses are shown in full only to the
 * person themself and to staff whose jurisdiction covers them (later also to a volunteer who accepted their
 * order). Everyone else sees `138****0001` and the community's name. Every full view by someone other than the
 * owner is written to access_log (who, whose, when, why) in the same transaction as the read: people are presented
 * by users/present.ts, orders by orders/present.ts, both with these rules and access-log.ts.
 */

export function maskPhone(phone: string): string {
  return phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : '****';
}

/** A landline as a person without the right to see it reads it: the area code and the last two digits, `0471-*****67`. */
export function maskLandline(landline: string): string {
  const digits = landline.replace('-', '');
  const area = digits.startsWith('01') || digits.startsWith('02') ? 3 : 4;
  return `${digits.slice(0, area)}-${'*'.repeat(Math.max(0, digits.length - area - 2))}${digits.slice(-2)}`;
}

/** A name as shown to someone who may not see the person in full: the surname only, 孙桂兰 → 孙**. */
export function maskName(name: string): string {
  const surname = Array.from(name.trim())[0];
  return surname === undefined ? '**' : `${surname}**`;
}

/** Why a viewer may see a person in full; undefined when they may not. */
export type FullViewReason = 'self' | 'jurisdiction' | 'accepted_order' | 'family';
