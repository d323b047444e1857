import { LIVE_CLOSE_UNAUTHORIZED, type LiveServerMessage, type NotificationDto } from '@bangbang/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { Actor } from '../auth/actor';
import type { HubSocket } from './hub';
import type { LivePerson } from './routing';

/** Close codes besides LIVE_CLOSE_UNAUTHORIZED (RFC 6455 §7.4.1). */
export const LiveClose = {
  /** The server is shutting down: reconnect (another process, or this one when it is back). */
  GOING_AWAY: 1001,
  /** Not this protocol (binary, not JSON, an unknown first message). */
  UNSUPPORTED: 1003,
  /** Something failed on the server (the database away while authenticating): reconnect with backoff. */
  SERVER_ERROR: 1011,
  /** Reconnect now and catch up: messages may have been missed (the process's listener was reconnected). */
  RESTART: 1012,
} as const;

/** An `after` the catch-up can use: a notification id (bigint), kept well inside its range. */
const AFTER = /^(0|[1-9]\d{0,17})$/;

/** What a socket needs from the plugin. */
export interface SocketDeps {
  authenticate(token: string): Promise<{ actor: Actor } | undefined>;
  /** Unread count and, when `after` is given, what came since (oldest first). */
  inbox(userId: string, after: string | undefined): Promise<{ unread: number; items: NotificationDto[] }>;
  /** The socket is authenticated: from now on the hub routes to it (sends are queued until the catch-up is out). */
  joined(socket: LiveSocket): void;
  /** The socket is closed (called once, also for one never authenticated). */
  left(socket: LiveSocket): void;
  log: FastifyBaseLogger;
  /** Above this many bytes waiting to be sent the client is too slow: dropped (it catches up when it reconnects). */
  maxBufferedBytes: number;
}

export function personOf(actor: Actor): LivePerson {
  return { id: actor.id, roles: [...actor.roles], regionPath: actor.regionPath };
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One client's socket: `auth` first (within the time, else 4401), then `ready`, the catch-up, and whatever the hub
 * routes to it. Messages routed while the catch-up is being read wait in a queue, so the client sees `ready`, then
 * the missed notifications oldest first, then the live ones, each notification once.
 */
export class LiveSocket implements HubSocket {
  private state: 'new' | 'authenticating' | 'catching-up' | 'open' | 'closed' = 'new';
  private queue: Array<{ text: string; notificationId: string | undefined }> = [];
  private authTimer: NodeJS.Timeout | undefined;
  private rechecking = false;
  /** Handed to the hub (so `left` must take it out again). */
  joined = false;
  person: LivePerson = { id: '', roles: [], regionPath: null };
  /** The token it authenticated with: checked again at every heartbeat (a logout ends the socket too). */
  token = '';
  /** When anything last came from the client (a message or a protocol-level pong). */
  lastHeard = Date.now();

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: SocketDeps,
    authTimeoutMs: number,
  ) {
    this.authTimer = setTimeout(() => this.close(LIVE_CLOSE_UNAUTHORIZED, 'auth timeout'), authTimeoutMs);
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', () => {
      this.lastHeard = Date.now();
    });
    ws.on('close', () => this.onClosed());
  }

  get authenticated(): boolean {
    return this.state === 'catching-up' || this.state === 'open';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Routed by the hub: sent now, or queued while the catch-up is on its way. */
  send(text: string, notificationId?: string): void {
    if (this.state === 'catching-up') this.queue.push({ text, notificationId });
    else if (this.state === 'open') this.write(text);
  }

  /** The heartbeat's ping (LIVE_PING_MS). */
  ping(): void {
    if (this.state === 'open') this.write(JSON.stringify({ type: 'ping' } satisfies LiveServerMessage));
  }

  close(code: number, reason: string): void {
    if (this.authTimer) clearTimeout(this.authTimer);
    if (this.ws.readyState === this.ws.CLOSED || this.ws.readyState === this.ws.CLOSING) return;
    this.ws.close(code, reason);
  }

  /** Ends the connection at once, without the closing handshake (a client that went silent). */
  terminate(): void {
    this.ws.terminate();
  }

  /** Resolves when the socket is closed. */
  closed(): Promise<void> {
    if (this.ws.readyState === this.ws.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.ws.once('close', () => resolve()));
  }

  /**
   * The token checked again (signature and expiry, ended sessions, the person's roles and place now): a socket whose
   * session ended is closed with 4401; the routing facts follow role and place changes.
   */
  async recheck(): Promise<void> {
    if (this.state !== 'open' || this.rechecking) return;
    this.rechecking = true;
    try {
      const found = await this.deps.authenticate(this.token);
      if (!found) this.close(LIVE_CLOSE_UNAUTHORIZED, 'session ended');
      else this.person = personOf(found.actor);
    } catch (err) {
      // the database away for a moment: the socket stays as it was, checked again at the next heartbeat
      this.deps.log.debug({ err }, 'live: token recheck failed');
    } finally {
      this.rechecking = false;
    }
  }

  private write(text: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.deps.maxBufferedBytes) {
      this.deps.log.info({ userId: this.person.id }, 'live: client too slow, dropped');
      this.ws.terminate();
      return;
    }
    this.ws.send(text);
  }

  private reply(message: LiveServerMessage): void {
    this.write(JSON.stringify(message));
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    this.lastHeard = Date.now();
    if (this.state === 'closed') return;
    const message = isBinary ? undefined : parse(textOf(data));
    const type = message?.type;
    if (type === 'ping') {
      this.reply({ type: 'pong' });
      return;
    }
    if (type === 'pong') return;
    if (this.state !== 'new') return; // after auth (or while it is checked): anything else is ignored
    if (type !== 'auth' || !message) {
      this.close(LiveClose.UNSUPPORTED, 'expected auth');
      return;
    }
    void this.authenticate(message);
  }

  private async authenticate(message: Record<string, unknown>): Promise<void> {
    this.state = 'authenticating';
    if (this.authTimer) clearTimeout(this.authTimer);
    const { token, after } = message;
    if (typeof token !== 'string' || token === '' || token.length > 4096) {
      this.close(LIVE_CLOSE_UNAUTHORIZED, 'no token');
      return;
    }
    // an `after` that is no notification id is taken as none: the client loads its inbox over REST instead
    const since = typeof after === 'string' && AFTER.test(after) ? after : undefined;
    let found: { actor: Actor } | undefined;
    try {
      found = await this.deps.authenticate(token);
    } catch (err) {
      this.deps.log.warn({ err }, 'live: authentication failed');
      this.close(LiveClose.SERVER_ERROR, 'try again');
      return;
    }
    if (this.isClosed) return;
    if (!found) {
      this.close(LIVE_CLOSE_UNAUTHORIZED, 'unauthorized');
      return;
    }
    this.person = personOf(found.actor);
    this.token = token;
    // routed to from now on, queued: nothing sent between the catch-up's snapshot and this socket is lost
    this.state = 'catching-up';
    this.joined = true;
    this.deps.joined(this);
    let inbox: { unread: number; items: NotificationDto[] };
    try {
      inbox = await this.deps.inbox(this.person.id, since);
    } catch (err) {
      this.deps.log.warn({ err }, 'live: catch-up failed');
      this.close(LiveClose.SERVER_ERROR, 'try again');
      return;
    }
    if (this.isClosed) return;
    this.state = 'open';
    this.reply({ type: 'ready', userId: this.person.id, unread: inbox.unread });
    const sent = new Set<string>();
    for (const notification of inbox.items) {
      this.reply({ type: 'notification', notification, catchUp: true });
      sent.add(notification.id);
    }
    const queued = this.queue;
    this.queue = [];
    for (const { text, notificationId } of queued) {
      if (notificationId === undefined || !sent.has(notificationId)) this.write(text);
    }
  }

  private onClosed(): void {
    if (this.authTimer) clearTimeout(this.authTimer);
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.queue = [];
    this.deps.left(this);
  }
}
