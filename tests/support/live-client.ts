import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { LIVE_PATH, type LiveClientMessage, type LiveServerMessage } from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';

/**
 * A client of the live channel (WebSocket at LIVE_PATH) for tests and benchmarks: a real `ws` socket that records
 * every message with the moment it arrived, answers the server's pings (unless told not to), and waits for a message
 * matching a predicate.
 */

/** The ws:// address of the live channel of an app listening on a port. */
export function liveUrl(app: FastifyInstance): string {
  const address = app.server.address() as AddressInfo | null;
  if (!address || typeof address === 'string') throw new Error('the app is not listening on a TCP port');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `ws://${host}:${address.port}${LIVE_PATH}`;
}

export interface Received {
  message: LiveServerMessage;
  /** performance.now() when it arrived (for latencies: compare with performance.now() at the sending side). */
  at: number;
}

export interface LiveClientOptions {
  /** Answer the server's `{type:'ping'}` with `{type:'pong'}` (default true; false to play a client gone silent). */
  autoPong?: boolean;
  /** Called with every message as it arrives (a benchmark's own bookkeeping). */
  onMessage?: (message: LiveServerMessage, at: number) => void;
  /** How long to wait for the connection to open (default 5 s). */
  openTimeoutMs?: number;
  /**
   * Keep every message in `received` (default true). A benchmark holding thousands of sockets may keep only its own
   * figures (`onMessage`); `waitFor` then sees only what arrives while it waits.
   */
  record?: boolean;
}

export interface CloseEvent {
  code: number;
  reason: string;
}

export class LiveClient {
  /** Every message received so far, in order. */
  readonly received: Received[] = [];
  /** Resolves when the socket is closed (by either side), with the close code. */
  readonly closed: Promise<CloseEvent>;
  private closeEvent: CloseEvent | undefined;
  private waiters = new Set<() => void>();
  /** Messages no longer in `received` (not recorded): positions stay counted from the first message. */
  private dropped = 0;

  private constructor(
    readonly ws: WebSocket,
    private readonly opts: LiveClientOptions,
  ) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeEvent = { code, reason: reason.toString('utf8') };
        resolve(this.closeEvent);
        this.wake();
      });
    });
    ws.on('error', () => undefined); // a refused or cut connection shows as its close code
    ws.on('message', (data, isBinary) => {
      const at = performance.now();
      if (isBinary) return;
      let message: LiveServerMessage;
      try {
        message = JSON.parse(
          Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'),
        ) as LiveServerMessage;
      } catch {
        return;
      }
      this.received.push({ message, at });
      this.opts.onMessage?.(message, at);
      if (message.type === 'ping' && this.opts.autoPong !== false) this.send({ type: 'pong' });
      this.wake();
      if (this.opts.record === false) {
        this.dropped += this.received.length;
        this.received.length = 0;
      }
    });
  }

  /** Opens a socket to `url` (see `liveUrl`); resolves once it is open (not yet authenticated). */
  static async connect(url: string, opts: LiveClientOptions = {}): Promise<LiveClient> {
    const ws = new WebSocket(url);
    const client = new LiveClient(ws, opts);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`live: no connection to ${url} within the time`)), opts.openTimeoutMs ?? 5_000);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return client;
  }

  /** Connects and authenticates; resolves with the client and its `ready` message. */
  static async open(
    url: string,
    token: string,
    after?: string,
    opts: LiveClientOptions = {},
  ): Promise<{ client: LiveClient; ready: Extract<LiveServerMessage, { type: 'ready' }> }> {
    const client = await LiveClient.connect(url, opts);
    const ready = await client.auth(token, after);
    return { client, ready };
  }

  /** Sends `auth` and waits for `ready` (rejects if the socket is closed instead, e.g. 4401). */
  async auth(token: string, after?: string, timeoutMs = 5_000): Promise<Extract<LiveServerMessage, { type: 'ready' }>> {
    this.send(after === undefined ? { type: 'auth', token } : { type: 'auth', token, after });
    return this.waitFor((m): m is Extract<LiveServerMessage, { type: 'ready' }> => m.type === 'ready', { timeoutMs });
  }

  /** Sends a message of the protocol (or anything else, serialized as JSON, to test refusals). */
  send(message: LiveClientMessage | Record<string, unknown>): void {
    this.sendRaw(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  /** The messages received so far (without their times). */
  get messages(): LiveServerMessage[] {
    return this.received.map((r) => r.message);
  }

  /** How many messages arrived so far (a position for `waitFor`'s `from`). */
  get count(): number {
    return this.dropped + this.received.length;
  }

  /** The close code and reason, once closed. */
  get closeInfo(): CloseEvent | undefined {
    return this.closeEvent;
  }

  /**
   * The first message matching `predicate` among those received from index `from` on (default: all, the earlier ones
   * included), waiting up to `timeoutMs` (default 5 s) for it to arrive. Rejects on timeout or when the socket closes.
   */
  waitFor<T extends LiveServerMessage>(
    predicate: ((m: LiveServerMessage) => m is T) | ((m: LiveServerMessage) => boolean),
    { timeoutMs = 5_000, from = 0 }: { timeoutMs?: number; from?: number } = {},
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let checked = from;
      const check = (): boolean => {
        checked = Math.max(checked, this.dropped);
        for (; checked < this.count; checked += 1) {
          const { message } = this.received[checked - this.dropped]!;
          if (predicate(message)) {
            done();
            resolve(message as T);
            return true;
          }
        }
        if (this.closeEvent) {
          done();
          reject(new Error(`live: socket closed (${this.closeEvent.code} ${this.closeEvent.reason}) before the message came`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`live: no matching message within ${timeoutMs} ms; received ${JSON.stringify(this.messages.slice(Math.max(0, from - this.dropped)))}`),
        );
      }, timeoutMs);
      const waiter = (): void => void check();
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      if (!check()) this.waiters.add(waiter);
    });
  }

  /**
   * The messages matching `predicate` that arrive from now on during `ms` (to check that nothing comes; needs the
   * messages recorded).
   */
  async collect(predicate: (m: LiveServerMessage) => boolean, ms: number): Promise<LiveServerMessage[]> {
    const found: LiveServerMessage[] = [];
    const from = this.count;
    await new Promise((r) => setTimeout(r, ms));
    for (let i = Math.max(from, this.dropped); i < this.count; i += 1) {
      const { message } = this.received[i - this.dropped]!;
      if (predicate(message)) found.push(message);
    }
    return found;
  }

  /** Waits for the socket to be closed (by the server), up to `timeoutMs`. */
  async waitClosed(timeoutMs = 5_000): Promise<CloseEvent> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`live: socket still open after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes from the client's side and waits until closed. */
  async close(code = 1000): Promise<CloseEvent> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code);
    return this.waitClosed();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
