import { Client, type ClientConfig, type Notification } from 'pg';
import { listen, unlisten } from './live.repo';

export interface ListenerOptions {
  /** How to reach PostgreSQL: the pool's own settings (see plugin.ts). */
  connection: ClientConfig;
  channel: string;
  /** Each payload, as sent. */
  onPayload(payload: string): void;
  /**
   * Listening again after the connection was lost: what was sent in between never reached this process (NOTIFY is
   * not queued for a listener that is gone), so the caller makes its clients catch up.
   */
  onRecovered(): void;
  onError(err: unknown, what: string): void;
  /** The first retry's wait; it doubles up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * One dedicated PostgreSQL connection per process doing LISTEN (PITFALLS: a listening connection cannot be a pooled
 * one). When it drops — PostgreSQL restarted, the backend was terminated, the network failed — it is made again
 * with backoff, and `onRecovered` is called once it listens again.
 */
export class LiveListener {
  private client: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private delay: number;
  /** start() has returned: a connection made after it is a recovery (sockets were open without a listener). */
  private started = false;
  /** The backend's process id of the listening connection (null while there is none). */
  pid: number | null = null;

  constructor(private readonly opts: ListenerOptions) {
    this.delay = opts.minDelayMs ?? 100;
  }

  /** The first connection; when it fails the listener keeps trying in the background (it does not throw). */
  async start(): Promise<void> {
    await this.connect();
    this.started = true;
  }

  get listening(): boolean {
    return this.pid !== null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    this.pid = null;
    if (!client) return;
    // UNLISTEN, but not waiting long on a database that hangs: ending the connection stops the listening anyway
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      unlisten(client, this.opts.channel).catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, 1_000);
      }),
    ]);
    clearTimeout(timer);
    await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new Client(this.opts.connection);
    let lost = false;
    const onLost = (err?: unknown) => {
      if (lost) return;
      lost = true;
      if (err !== undefined && !this.closed) this.opts.onError(err, 'live listener connection lost');
      if (this.client === client) {
        this.client = undefined;
        this.pid = null;
      }
      client.removeAllListeners('notification');
      // an 'error' after 'end' must still have a listener, or it would crash the process
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      this.retry();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (msg: Notification) => {
      if (msg.channel === this.opts.channel && msg.payload !== undefined) this.opts.onPayload(msg.payload);
    });
    try {
      await client.connect();
      const pid = await listen(client, this.opts.channel);
      if (this.closed || lost) {
        if (!lost) await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.pid = pid;
      this.delay = this.opts.minDelayMs ?? 100;
      if (this.started) this.opts.onRecovered();
    } catch (err) {
      onLost(err);
    }
  }

  private retry(): void {
    if (this.closed || this.timer) return;
    // jitter: the processes of a fleet do not all come back in the same millisecond after a restart
    const wait = Math.round(this.delay * (0.5 + Math.random() / 2));
    this.delay = Math.min(this.delay * 2, this.opts.maxDelayMs ?? 10_000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, wait);
    this.timer.unref();
  }
}
