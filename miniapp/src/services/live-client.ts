import {
  LIVE_CLOSE_UNAUTHORIZED,
  LIVE_SILENCE_MS,
  type LiveClientMessage,
  type LiveServerMessage,
  type NotificationDto,
  type OrderStatus,
} from '@bangbang/shared';

/**
 * The live channel's client (issue 19), without Taro: one WebSocket to LIVE_PATH that authenticates with the login
 * token, catches up from the last notification seen, answers the server's pings, reconnects with backoff and hands
 * every message to whoever listens. The socket itself is opened by a function it is given (`Taro.connectSocket` in
 * WeChat, the browser's WebSocket in H5, a fake in the tests), so everything here runs in Node as it is.
 */

/** What the client needs of a socket: send text, close, and the four events. */
export interface LiveSocket {
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

export interface LiveSocketEvents {
  open(): void;
  message(text: string): void;
  /** The socket ended; `code` is the WebSocket close code (1006 when the connection just dropped). */
  close(code: number): void;
  error(): void;
}

export type OpenSocket = (url: string, events: LiveSocketEvents) => LiveSocket;

/** Where the last notification seen is kept (device storage), per person: catch-up asks for what came after it. */
export interface LastSeenStore {
  get(userId: string): string | undefined;
  set(userId: string, id: string): void;
}

export interface LiveTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LiveClientDeps {
  open: OpenSocket;
  /** The socket's address (ws:// or wss://, see `liveUrl`). */
  url: () => string;
  /** The login token now; none → the client stays off. */
  token: () => string | undefined;
  lastSeen: LastSeenStore;
  timers?: LiveTimers;
  /** [0, 1), for the backoff's jitter. */
  random?: () => number;
}

/**
 * - `off`: not started, or stopped (logout).
 * - `connecting`: the first attempt since start.
 * - `connected`: the server said `ready`: messages arrive as things happen.
 * - `reconnecting`: the socket dropped; the next attempt waits for its backoff.
 * - `unauthorized`: the server closed with 4401 (token ended): no retry until the next login starts it again.
 */
export type LiveState = 'off' | 'connecting' | 'connected' | 'reconnecting' | 'unauthorized';

export interface OrderChange {
  orderId: string;
  status: OrderStatus;
  seq: number;
}

export interface NotificationMeta {
  /** Missed while away and sent again right after `ready` (already counted in `ready.unread`; no toast for these). */
  catchUp: boolean;
}

type Listener<A extends unknown[]> = (...args: A) => void;

export const BACKOFF_FIRST_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;
/** How many notification ids are remembered to drop a repeat (a catch-up overlapping a live push). */
const SEEN_IDS = 200;

/**
 * The wait before reconnect attempt `attempt` (1 = the first retry): 1 s doubling to 30 s, and "equal jitter" —
 * between half and all of it — so a server restart does not bring every phone back in the same second.
 */
export function backoffDelay(attempt: number, random: number): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + (base / 2) * random);
}

/**
 * The live socket's address: the API's origin with ws:// or wss:// (https → wss), plus the path. `apiBase` '' means
 * the page's own origin (H5 served by the API server).
 */
export function liveUrl(apiBase: string, pageOrigin: string, path: string): string {
  const origin = (apiBase === '' ? pageOrigin : apiBase).replace(/\/+$/, '');
  return `${origin.replace(/^http(s?):\/\//i, (_m, s: string) => `ws${s.toLowerCase()}://`)}${path}`;
}

/** Notification ids are bigints in decimal: compare by length, then digits. */
export function newerId(a: string, b: string | undefined): boolean {
  if (b === undefined) return true;
  return a.length !== b.length ? a.length > b.length : a > b;
}

function parse(text: string): LiveServerMessage | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string') return value as LiveServerMessage;
  } catch {
    // not JSON: not ours
  }
  return undefined;
}

export interface LiveClient {
  /** Connects as `userId` (whose last seen notification is the catch-up's start); does nothing if already running as them. */
  start: (userId: string) => void;
  /** Closes and stays off (logout). */
  stop: () => void;
  /** Back in the foreground: a socket waiting for its backoff tries again now. */
  wake: () => void;
  state: () => LiveState;
  unread: () => number;
  /** After marking read in the inbox: the server's count (or the count the client worked out). */
  setUnread: (count: number) => void;
  onOrder: (listener: Listener<[OrderChange]>) => () => void;
  onNotification: (listener: Listener<[NotificationDto, NotificationMeta]>) => () => void;
  onState: (listener: Listener<[LiveState]>) => () => void;
  onUnread: (listener: Listener<[number]>) => () => void;
}

function listeners<A extends unknown[]>() {
  const set = new Set<Listener<A>>();
  return {
    add: (listener: Listener<A>): (() => void) => {
      set.add(listener);
      return () => void set.delete(listener);
    },
    emit: (...args: A): void => {
      for (const listener of [...set]) {
        try {
          listener(...args);
        } catch {
          // one page's broken listener must not keep the others from hearing
        }
      }
    },
  };
}

export function createLiveClient(deps: LiveClientDeps): LiveClient {
  const timers: LiveTimers = deps.timers ?? {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
  const random = deps.random ?? Math.random;

  const orders = listeners<[OrderChange]>();
  const notifications = listeners<[NotificationDto, NotificationMeta]>();
  const states = listeners<[LiveState]>();
  const unreads = listeners<[number]>();

  let state: LiveState = 'off';
  let unread = 0;
  let userId: string | undefined;
  let socket: LiveSocket | undefined;
  /** Failed attempts since the last `ready`: the backoff's exponent. */
  let attempt = 0;
  let retryTimer: unknown;
  let silenceTimer: unknown;
  const seen: string[] = [];

  const setState = (next: LiveState) => {
    if (next === state) return;
    state = next;
    states.emit(next);
  };

  const setUnread = (count: number) => {
    const next = Math.max(0, Math.floor(count));
    if (next === unread) return;
    unread = next;
    unreads.emit(next);
  };

  const clearTimers = () => {
    if (retryTimer !== undefined) timers.clearTimeout(retryTimer);
    if (silenceTimer !== undefined) timers.clearTimeout(silenceTimer);
    retryTimer = undefined;
    silenceTimer = undefined;
  };

  /** Drops the current socket (its late events are ignored: every handler checks it is still the current one). */
  const drop = (code = 1000) => {
    const old = socket;
    socket = undefined;
    if (old) {
      try {
        old.close(code, 'client');
      } catch {
        // already closed
      }
    }
  };

  const scheduleRetry = () => {
    clearTimers();
    drop();
    attempt += 1;
    setState('reconnecting');
    retryTimer = timers.setTimeout(
      () => {
        retryTimer = undefined;
        connect();
      },
      backoffDelay(attempt, random()),
    );
  };

  /** No message (not even a ping) for LIVE_SILENCE_MS: the connection is dead even if the socket does not know it. */
  const armSilence = () => {
    if (silenceTimer !== undefined) timers.clearTimeout(silenceTimer);
    silenceTimer = timers.setTimeout(() => {
      silenceTimer = undefined;
      scheduleRetry();
    }, LIVE_SILENCE_MS);
  };

  const send = (s: LiveSocket, message: LiveClientMessage) => {
    try {
      s.send(JSON.stringify(message));
    } catch {
      // a socket that cannot send is about to close: its close event reconnects
    }
  };

  const receive = (s: LiveSocket, message: LiveServerMessage) => {
    switch (message.type) {
      case 'ready':
        attempt = 0;
        setUnread(message.unread);
        setState('connected');
        return;
      case 'notification': {
        const n = message.notification;
        if (seen.includes(n.id)) return;
        seen.push(n.id);
        if (seen.length > SEEN_IDS) seen.shift();
        if (userId !== undefined && newerId(n.id, deps.lastSeen.get(userId))) deps.lastSeen.set(userId, n.id);
        // what the server sends right after `ready` (already in its unread count) is not news
        const catchUp = message.catchUp === true;
        if (!catchUp && n.readAt === null) setUnread(unread + 1);
        notifications.emit(n, { catchUp });
        return;
      }
      case 'order':
        orders.emit({ orderId: message.orderId, status: message.status, seq: message.seq });
        return;
      case 'ping':
        send(s, { type: 'pong' });
        return;
      case 'pong':
        return;
    }
  };

  function connect(): void {
    const token = deps.token();
    if (token === undefined || userId === undefined) {
      // logged out meanwhile
      clearTimers();
      drop();
      setState('off');
      return;
    }
    const who = userId;
    let current: LiveSocket | undefined;
    const mine = () => current !== undefined && current === socket;
    const events: LiveSocketEvents = {
      open() {
        if (!mine()) return;
        armSilence();
        const after = deps.lastSeen.get(who);
        send(current!, after === undefined ? { type: 'auth', token } : { type: 'auth', token, after });
      },
      message(text) {
        if (!mine()) return;
        armSilence();
        const message = parse(text);
        if (message) receive(current!, message);
      },
      close(code) {
        if (!mine()) return;
        if (code === LIVE_CLOSE_UNAUTHORIZED) {
          // the token ended: retrying with it cannot succeed; the next login starts the client again
          clearTimers();
          socket = undefined;
          setState('unauthorized');
          return;
        }
        scheduleRetry();
      },
      error() {
        if (mine()) scheduleRetry();
      },
    };
    try {
      current = deps.open(deps.url(), events);
      socket = current;
      // an attempt that never opens counts as silence too
      armSilence();
    } catch {
      scheduleRetry();
    }
  }

  return {
    start(id) {
      if (userId === id && state !== 'off' && state !== 'unauthorized') return;
      if (userId !== id) {
        seen.length = 0;
        setUnread(0);
      }
      clearTimers();
      drop();
      userId = id;
      attempt = 0;
      setState('connecting');
      connect();
    },
    stop() {
      clearTimers();
      drop();
      userId = undefined;
      attempt = 0;
      seen.length = 0;
      setUnread(0);
      setState('off');
    },
    wake() {
      if (state !== 'reconnecting') return;
      clearTimers();
      attempt = 0;
      connect();
    },
    state: () => state,
    unread: () => unread,
    setUnread,
    onOrder: orders.add,
    onNotification: notifications.add,
    onState: states.add,
    onUnread: unreads.add,
  };
}
