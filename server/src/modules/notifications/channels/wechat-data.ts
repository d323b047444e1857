/**
 * The `data` of a WeChat subscription message (订阅消息), built so that WeChat never refuses it. Each keyword of a
 * template has a type, the prefix of its key (thing1, phrase2, time3…), and WeChat refuses the whole message
 * (errcode 47003) when one value breaks its type's rule (WeChat's 订阅消息参数值内容限制说明):
 *
 * | type | rule |
 * |---|---|
 * | thing | at most 20 characters: Chinese, digits, letters or symbols |
 * | phrase | at most 5 characters, Chinese only (e.g. 配送中) |
 * | time | a 24-hour time, with a date before it if wanted (2019年10月1日 15:01, 2026-12-07 15:01) |
 * | character_string | at most 32 digits, letters or symbols |
 * | name | at most 10 Chinese characters, or 20 letters; mixed counts as Chinese |
 * | number | at most 32 digits, a decimal point allowed |
 *
 * No value may be empty or carry line breaks or other control characters. A character is a Unicode code point (a
 * Chinese character counts one). Where the type allows symbols (thing) a value too long is cut with '…' at the end;
 * where it does not (phrase, name, character_string) it is only cut.
 */

/** Our three templates, by what they announce (config.notify.wechatTemplates). */
export type TemplateLayout = 'orderStatus' | 'newTask' | 'alarm';

/** What a keyword of our templates carries. */
export type KeywordRole = 'service' | 'status' | 'place' | 'time' | 'note';

/**
 * The keywords each template must have, in this order, when an admin picks it in the WeChat console (docs/
 * notifications.md). The keys (thing1, phrase2…) are WeChat's: each keyword of a template in WeChat's library has its
 * own, shown in the template's 详细内容 as {{thing1.DATA}}. A template whose keys differ can still be used by
 * passing them to `templateData` (its `keys`): values are fitted to the type of the key they go to.
 */
export const TEMPLATE_KEYWORDS: Record<TemplateLayout, ReadonlyArray<{ key: string; role: KeywordRole; title: string }>> = {
  // 需求进度通知
  orderStatus: [
    { key: 'thing1', role: 'service', title: '服务项目' },
    { key: 'phrase2', role: 'status', title: '进度' },
    { key: 'time3', role: 'time', title: '时间' },
    { key: 'thing4', role: 'note', title: '温馨提示' },
  ],
  // 新任务提醒
  newTask: [
    { key: 'thing1', role: 'service', title: '服务项目' },
    { key: 'thing2', role: 'place', title: '服务地点' },
    { key: 'time3', role: 'time', title: '时间' },
    { key: 'thing4', role: 'note', title: '备注' },
  ],
  // 待办提醒
  alarm: [
    { key: 'thing1', role: 'service', title: '事项' },
    { key: 'thing2', role: 'place', title: '地点' },
    { key: 'time3', role: 'time', title: '时间' },
    { key: 'thing4', role: 'note', title: '说明' },
  ],
};

/** What a message says, before it is fitted to the keywords. */
export interface MessageFacts {
  /** The service (助餐, 陪诊…) or, for an alarm, the matter (新需求待派单). */
  service: string;
  /** orderStatus: the progress (已接单, 已上门, 待确认…): five Chinese characters at most survive. */
  status?: string;
  /** newTask, alarm: where (a community and building, never a full address with the door). */
  place?: string;
  /** When: the event's time, or the appointment's. Shown in Beijing time. */
  time: Date;
  /** A hint or note (请留意电话, 请在 14:30 前答复…). */
  note: string;
}

const THING_MAX = 20;
const PHRASE_MAX = 5;
const STRING_MAX = 32;
const NAME_HAN_MAX = 10;
const NAME_LATIN_MAX = 20;

const HAN = /\p{Script=Han}/u;

/** Line breaks and control characters out (WeChat refuses them), runs of spaces made one. */
function clean(value: string): string {
  return value
    .replace(/\p{Cf}/gu, '')
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function cut(value: string, max: number, ellipsis: boolean): string {
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  return ellipsis ? `${chars.slice(0, max - 1).join('')}…` : chars.slice(0, max).join('');
}

/** thing: at most 20 characters, '…' at the end when cut; `fallback` when nothing is left. */
export function thing(value: string | undefined, fallback = '—'): string {
  const v = clean(value ?? '');
  return cut(v === '' ? fallback : v, THING_MAX, true);
}

/**
 * phrase: at most 5 Chinese characters and nothing else (no digits, no punctuation, no '…'): the Chinese characters
 * of the value, the first five; `fallback` when it has none.
 */
export function phrase(value: string | undefined, fallback = '有更新'): string {
  const hanOf = (v: string) => Array.from(v).filter((c) => HAN.test(c));
  const han = hanOf(value ?? '');
  const chosen = han.length > 0 ? han : hanOf(fallback);
  return (chosen.length > 0 ? chosen : hanOf('有更新')).slice(0, PHRASE_MAX).join('');
}

/** time: `YYYY-MM-DD HH:mm`, 24-hour, in Beijing time (UTC+8 all year), whatever the server's time zone. */
export function time(at: Date): string {
  const b = new Date(at.getTime() + 8 * 3_600_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${b.getUTCFullYear()}-${two(b.getUTCMonth() + 1)}-${two(b.getUTCDate())} ${two(b.getUTCHours())}:${two(b.getUTCMinutes())}`;
}

/** character_string: at most 32 printable ASCII characters (digits, letters, symbols); the rest dropped. */
export function characterString(value: string, fallback = '-'): string {
  const ascii = (v: string) =>
    Array.from(v)
      .filter((c) => c >= '!' && c <= '~')
      .join('');
  return cut(ascii(value) || ascii(fallback) || '-', STRING_MAX, false);
}

/** name: at most 10 characters when it has any Chinese (mixed counts as Chinese), 20 otherwise; cut, never '…'. */
export function name(value: string, fallback = '用户'): string {
  const v = clean(value);
  const n = v === '' ? fallback : v;
  return cut(n, HAN.test(n) ? NAME_HAN_MAX : NAME_LATIN_MAX, false);
}

/**
 * Whether WeChat would take `value` for the keyword `key` (its type is the key's prefix): what the builders above
 * guarantee, checked the other way round. Unknown types are taken as thing.
 */
export function isValidKeywordValue(key: string, value: string): boolean {
  if (value === '' || /[\p{Cc}\u2028\u2029]/u.test(value)) return false;
  const type = /^([a-z_]+?)\d+$/.exec(key)?.[1] ?? 'thing';
  const chars = Array.from(value);
  switch (type) {
    case 'phrase':
      return chars.length <= PHRASE_MAX && chars.every((c) => HAN.test(c));
    case 'time':
      return /^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2} |\d{4}年\d{1,2}月\d{1,2}日 ?)?\d{1,2}:\d{2}(:\d{2})?$/.test(value);
    case 'date':
      return /^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日)( ?\d{1,2}:\d{2}(:\d{2})?)?$/.test(value);
    case 'character_string':
      return chars.length <= STRING_MAX && chars.every((c) => c >= '!' && c <= '~');
    case 'number':
      return /^\d+(\.\d+)?$/.test(value) && value.replace('.', '').length <= STRING_MAX;
    case 'name':
      return chars.length <= (HAN.test(value) ? NAME_HAN_MAX : NAME_LATIN_MAX);
    default:
      return chars.length <= THING_MAX;
  }
}

/** What a keyword says when its fact is missing (WeChat refuses an empty value). */
const FALLBACK: Record<KeywordRole, string> = {
  service: '社区服务',
  status: '有更新',
  place: '见需求详情',
  time: '',
  note: '详情请进入小程序查看',
};

/** `raw` fitted to the type of `key` (its prefix); a type we do not know is treated as thing, the most common. */
export function fitValue(key: string, raw: string | Date, fallback: string): string {
  const type = /^([a-z_]+?)\d*$/.exec(key)?.[1] ?? 'thing';
  if (raw instanceof Date) {
    // time and date both take a date with a 24-hour time; in a thing it reads the same
    return type === 'thing' || type === 'time' || type === 'date' ? time(raw) : fitValue(key, time(raw), fallback);
  }
  switch (type) {
    case 'phrase':
      return phrase(raw, fallback);
    case 'character_string':
      return characterString(raw, fallback);
    case 'name':
      return name(raw, fallback);
    default:
      return thing(raw, fallback);
  }
}

/**
 * The `data` for one of our templates: every keyword of its layout filled, each fitted to its key's type. `keys`
 * replaces the default key of a role, for a template whose keywords WeChat numbers differently (e.g.
 * `{ service: 'thing3', time: 'date2' }`).
 */
export function templateData(layout: TemplateLayout, facts: MessageFacts, keys: Partial<Record<KeywordRole, string>> = {}): Record<string, { value: string }> {
  const data: Record<string, { value: string }> = {};
  for (const { key, role } of TEMPLATE_KEYWORDS[layout]) {
    const fallback = layout === 'alarm' && role === 'service' ? '待办事项' : FALLBACK[role];
    const target = keys[role] ?? key;
    data[target] = { value: fitValue(target, facts[role] ?? '', fallback) };
  }
  return data;
}
