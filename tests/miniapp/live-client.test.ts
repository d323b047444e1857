import { LIVE_CLOSE_UNAUTHORIZED, LIVE_SILENCE_MS, NOTIFICATION_KINDS, type LiveServerMessage, type NotificationDto } from '@bangbang/shared';
import {
  BACKOFF_MAX_MS,
  backoffDelay,
  createLiveClient,
  liveUrl,
  newerId,
  type LiveClient,
  type LiveSocketEvents,
  type LiveState,
} from '../../miniapp/src/services/live-client';
import { notificationLine } from '../../miniapp/src/services/labels';
import { orderPageOf } from '../../miniapp/src/services/notification-pages';
import { acceptedIds, templateIdsFor } from '../../miniapp/src/services/subscribe';

/**
 * The mini-program's live connection (issue 19) without Taro: a fake socket and a hand-driven clock stand in for
 * `Taro.connectSocket` / the browser's WebSocket and for time, so backoff, the 4401 stop, catch-up and the silence
 * watchdog are checked exactly, in milliseconds, with nothing waiting on the machine's speed.
 */

/** A clock the test moves: timers fire in order when `advance` passes them. */
class FakeClock {
  now = 0;
  private timers: Array<{ id: number; at: number; fn: () => void }> = [];
  private next = 1;

  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.next++;
    this.timers.push({ id, at: this.now + ms, fn });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.timers = this.timers.filter((t) => t.id !== handle);
  };

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
    }
    this.now = until;
  }

  pending(): number {
    return this.timers.length;
  }
}

/** One socket the client opened: what it sent, whether it closed it, and the server's side of the events. */
class FakeSocket {
  sent: unknown[] = [];
  closedWith: number | undefined;

  constructor(
    readonly url: string,
    readonly events: LiveSocketEvents,
  ) {}

  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }

  close(code?: number): void {
    this.closedWith = code ?? 1000;
  }

  serverSays(message: LiveServerMessage): void {
    this.events.message(JSON.stringify(message));
  }
}

const notification = (id: string, overrides: Partial<NotificationDto> = {}): NotificationDto => ({
  id,
  kind: 'order.accepted',
  title: '已有人接单',
  body: '李海龙 已接单，约 15 分钟上门',
  orderId: '42',
  urgent: false,
  createdAt: '2026-12-07T06:00:00.000Z',
  readAt: null,
  ...overrides,
});

function setup(options: { token?: string | undefined; random?: number } = {}) {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  const stored = new Map<string, string>();
  let token: string | undefined = 'token' in options ? options.token : 'tok-1';
  const client: LiveClient = createLiveClient({
    open: (url, events) => {
      const socket = new FakeSocket(url, events);
      sockets.push(socket);
      return socket;
    },
    url: () => 'wss://api.example.org/api/v1/live',
    token: () => token,
    lastSeen: { get: (user) => stored.get(user), set: (user, id) => void stored.set(user, id) },
    timers: clock,
    random: () => options.random ?? 0.5,
  });
  const states: LiveState[] = [];
  client.onState((s) => states.push(s));
  const last = () => sockets[sockets.length - 1]!;
  /** Opens the latest socket and answers its auth with `ready`. */
  const connect = (unread = 0) => {
    last().events.open();
    last().serverSays({ type: 'ready', userId: 'u1', unread });
  };
  return { clock, sockets, stored, client, states, last, connect, setToken: (t: string | undefined) => (token = t) };
}

describe('backoff', () => {
  it('doubles from 1 s to 30 s, with the jitter between half and all of it', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 10].map((n) => backoffDelay(n, 1))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect([1, 2, 3, 6].map((n) => backoffDelay(n, 0))).toEqual([500, 1000, 2000, 15000]);
    for (let n = 1; n < 12; n++) {
      const d = backoffDelay(n, Math.random());
      expect(d).toBeGreaterThanOrEqual(250);
      expect(d).toBeLessThanOrEqual(BACKOFF_MAX_MS);
    }
  });

  it('reconnects after each drop with growing waits, and starts over once connected', () => {
    const { client, clock, sockets, states, connect, last } = setup({ random: 1 });
    client.start('u1');
    expect(sockets).toHaveLength(1);
    expect(states).toEqual(['connecting']);

    // refused three times: 1 s, 2 s, 4 s
    for (const wait of [1000, 2000, 4000]) {
      const before = sockets.length;
      last().events.close(1006);
      expect(client.state()).toBe('reconnecting');
      clock.advance(wait - 1);
      expect(sockets).toHaveLength(before);
      clock.advance(1);
      expect(sockets).toHaveLength(before + 1);
    }

    connect();
    expect(client.state()).toBe('connected');
    // a drop after `ready` waits 1 s again
    last().events.close(1006);
    clock.advance(999);
    const before = sockets.length;
    clock.advance(1);
    expect(sockets).toHaveLength(before + 1);
  });

  it('an error counts as a drop, and a late close of the same socket does not schedule a second attempt', () => {
    const { client, clock, sockets, last } = setup({ random: 1 });
    client.start('u1');
    const first = last();
    first.events.error();
    first.events.close(1006);
    expect(first.closedWith).toBe(1000);
    clock.advance(1000);
    expect(sockets).toHaveLength(2);
    clock.advance(60_000 - 1);
    // only the new socket's silence watchdog is pending, no second retry
    expect(sockets).toHaveLength(2);
  });
});

describe('authentication', () => {
  it('sends auth with the token first, then answers pings with pong', () => {
    const { client, last } = setup();
    client.start('u1');
    last().events.open();
    expect(last().sent).toEqual([{ type: 'auth', token: 'tok-1' }]);
    last().serverSays({ type: 'ping' });
    expect(last().sent[1]).toEqual({ type: 'pong' });
  });

  it('stops on 4401 (token ended) and does not retry until started again', () => {
    const { client, clock, sockets, states, last, setToken } = setup();
    client.start('u1');
    last().events.open();
    last().events.close(LIVE_CLOSE_UNAUTHORIZED);
    expect(client.state()).toBe('unauthorized');
    clock.advance(10 * 60_000);
    expect(sockets).toHaveLength(1);
    expect(clock.pending()).toBe(0);
    expect(states).toEqual(['connecting', 'unauthorized']);

    // the next login starts it again, with the new token
    setToken('tok-2');
    client.start('u1');
    last().events.open();
    expect(sockets).toHaveLength(2);
    expect(last().sent[0]).toEqual({ type: 'auth', token: 'tok-2' });
  });

  it('without a token it stays off', () => {
    const { client, sockets } = setup({ token: undefined });
    client.start('u1');
    expect(sockets).toHaveLength(0);
    expect(client.state()).toBe('off');
  });

  it('stop closes the socket and nothing reconnects', () => {
    const { client, clock, sockets, connect, last } = setup();
    client.start('u1');
    connect(3);
    expect(client.unread()).toBe(3);
    client.stop();
    expect(last().closedWith).toBe(1000);
    last().events.close(1000);
    clock.advance(120_000);
    expect(sockets).toHaveLength(1);
    expect(client.state()).toBe('off');
    expect(client.unread()).toBe(0);
  });
});

describe('catch-up', () => {
  it('asks for what came after the last notification seen, per person, on every reconnect', () => {
    const { client, clock, stored, connect, last } = setup({ random: 1 });
    client.start('u1');
    connect();
    last().serverSays({ type: 'notification', notification: notification('9') });
    last().serverSays({ type: 'notification', notification: notification('10') });
    // an older one arriving late does not move the mark back
    last().serverSays({ type: 'notification', notification: notification('8') });
    expect(stored.get('u1')).toBe('10');

    last().events.close(1006);
    clock.advance(1000);
    last().events.open();
    expect(last().sent[0]).toEqual({ type: 'auth', token: 'tok-1', after: '10' });

    // someone else on this phone starts from nothing, not from u1's mark
    client.stop();
    client.start('u2');
    last().events.open();
    expect(last().sent[0]).toEqual({ type: 'auth', token: 'tok-1' });
  });

  it('compares ids as big integers', () => {
    expect(newerId('10', '9')).toBe(true);
    expect(newerId('9', '10')).toBe(false);
    expect(newerId('9223372036854775807', '9223372036854775806')).toBe(true);
    expect(newerId('1', undefined)).toBe(true);
  });

  it('the catch-up after ready is not counted twice and not toasted; what comes later is', () => {
    const { client, connect, last } = setup();
    const heard: Array<[string, boolean]> = [];
    client.onNotification((n, meta) => heard.push([n.id, meta.catchUp]));
    client.start('u1');
    connect(3); // the server's count already includes the three missed below
    last().serverSays({ type: 'notification', notification: notification('4'), catchUp: true });
    last().serverSays({ type: 'notification', notification: notification('5'), catchUp: true });
    last().serverSays({ type: 'notification', notification: notification('6'), catchUp: true });
    expect(client.unread()).toBe(3);

    // what comes without the mark is news, however soon after
    last().serverSays({ type: 'notification', notification: notification('7') });
    expect(client.unread()).toBe(4);
    // a repeat (a catch-up overlapping a push) is dropped
    last().serverSays({ type: 'notification', notification: notification('7') });
    expect(client.unread()).toBe(4);
    // one already read elsewhere does not add to the count
    last().serverSays({ type: 'notification', notification: notification('8', { readAt: '2026-12-07T06:01:00.000Z' }) });
    expect(client.unread()).toBe(4);
    expect(heard).toEqual([
      ['4', true],
      ['5', true],
      ['6', true],
      ['7', false],
      ['8', false],
    ]);

    client.setUnread(0);
    expect(client.unread()).toBe(0);

    // a ping ends the burst too: a notification right after it is news
    client.stop();
    client.start('u1');
    connect(0);
    last().serverSays({ type: 'ping' });
    last().serverSays({ type: 'notification', notification: notification('20') });
    expect(client.unread()).toBe(1);
  });
});

describe('silence', () => {
  it('reconnects when nothing at all arrived for LIVE_SILENCE_MS, and pings keep it alive', () => {
    const { client, clock, sockets, connect, last } = setup({ random: 1 });
    client.start('u1');
    connect();
    // pings every 25 s keep the socket
    for (let i = 0; i < 4; i++) {
      clock.advance(25_000);
      last().serverSays({ type: 'ping' });
    }
    expect(sockets).toHaveLength(1);

    clock.advance(LIVE_SILENCE_MS - 1);
    expect(client.state()).toBe('connected');
    clock.advance(1);
    expect(client.state()).toBe('reconnecting');
    expect(sockets[0]!.closedWith).toBe(1000);
    clock.advance(1000);
    expect(sockets).toHaveLength(2);
  });

  it('an attempt that never opens is given up after the same time', () => {
    const { client, clock, sockets } = setup({ random: 1 });
    client.start('u1');
    clock.advance(LIVE_SILENCE_MS);
    expect(client.state()).toBe('reconnecting');
    clock.advance(1000);
    expect(sockets).toHaveLength(2);
  });

  it('wake (back in the foreground) tries at once instead of waiting for the backoff', () => {
    const { client, clock, sockets, last } = setup({ random: 1 });
    client.start('u1');
    for (let i = 0; i < 5; i++) {
      last().events.close(1006);
      clock.advance(30_000);
    }
    last().events.close(1006);
    const before = sockets.length;
    client.wake();
    expect(sockets).toHaveLength(before + 1);
  });
});

describe('listeners', () => {
  it('order changes, notifications, state and unread reach every subscriber until it unsubscribes', () => {
    const { client, connect, last } = setup();
    const orders: string[] = [];
    const others: string[] = [];
    const unread: number[] = [];
    const offOrders = client.onOrder((o) => orders.push(`${o.orderId}:${o.status}:${o.seq}`));
    client.onOrder(() => {
      throw new Error('a broken page');
    });
    client.onOrder((o) => others.push(o.orderId));
    client.onUnread((n) => unread.push(n));
    client.start('u1');
    connect(1);
    last().serverSays({ type: 'order', orderId: '42', status: 'accepted', seq: 3 });
    offOrders();
    last().serverSays({ type: 'order', orderId: '43', status: 'pending', seq: 1 });
    // not JSON, or not ours: ignored
    last().events.message('hello');
    last().events.message('{"no":"type"}');

    expect(orders).toEqual(['42:accepted:3']);
    expect(others).toEqual(['42', '43']);
    expect(unread).toEqual([1]);
  });
});

describe('addresses and links', () => {
  it('the socket is on the API origin with ws:// or wss://, or on the page origin when the API base is empty (H5)', () => {
    expect(liveUrl('https://api.example.org', 'http://ignored', '/api/v1/live')).toBe('wss://api.example.org/api/v1/live');
    expect(liveUrl('http://127.0.0.1:3000/', '', '/api/v1/live')).toBe('ws://127.0.0.1:3000/api/v1/live');
    expect(liveUrl('', 'https://bangbang.example.org', '/api/v1/live')).toBe('wss://bangbang.example.org/api/v1/live');
  });

  it('a notification opens the order in the workspace of its audience', () => {
    expect(orderPageOf({ kind: 'order.accepted', orderId: '7' })).toBe('/pages/resident/order/index?id=7');
    expect(orderPageOf({ kind: 'task.dispatched', orderId: '7' })).toBe('/pages/volunteer/task/index?id=7');
    expect(orderPageOf({ kind: 'staff.escalated', orderId: '7' })).toBe('/pages/dispatch/order/index?id=7');
    expect(orderPageOf({ kind: 'staff.new_order', orderId: null })).toBeUndefined();
    expect(orderPageOf({ kind: 'project.changed', orderId: null })).toBe('/pages/projects/index/index');
    expect(orderPageOf({ kind: 'points.redemption_cancelled', orderId: null })).toBe('/pages/points/index/index');
    for (const kind of NOTIFICATION_KINDS) expect(orderPageOf({ kind, orderId: '1' })).toMatch(/^\/pages\/(resident|volunteer|dispatch|projects|points)\//);
  });

  it("an order's notification record reads as a sentence for staff", () => {
    const at = '2026-12-06T22:41:00.000Z'; // 06:41 in Beijing
    expect(notificationLine({ recipient: '李海龙', channel: 'wechat', status: 'sent', detail: null, at })).toBe('已通过微信订阅消息通知 李海龙 06:41');
    expect(notificationLine({ recipient: '王奶奶', channel: 'sms', status: 'skipped', detail: '夜间免打扰', at })).toBe(
      '未通过短信通知 王奶奶：夜间免打扰 06:41',
    );
    expect(notificationLine({ recipient: '王奶奶', channel: null, status: null, detail: null, at })).toBe('已写入 王奶奶 的消息中心 06:41');
  });

  it('subscription templates: distinct, at most 3 a time; only the accepted are reported', () => {
    const templates = { 'order.accepted': 'T1', 'order.completed': 'T1', 'task.dispatched': 'T2', 'task.nearby': 'T3', 'staff.new_order': 'T4' };
    expect(templateIdsFor(templates, ['order.accepted', 'order.completed'])).toEqual(['T1']);
    expect(templateIdsFor(templates, ['order.accepted', 'task.dispatched', 'task.nearby', 'staff.new_order'])).toEqual(['T1', 'T2', 'T3']);
    expect(templateIdsFor(templates, ['staff.unmatched'])).toEqual([]);
    expect(acceptedIds({ errMsg: 'requestSubscribeMessage:ok', T1: 'accept', T2: 'reject', T3: 'ban' }, ['T1', 'T2', 'T3'])).toEqual(['T1']);
  });
});
