import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { percentile } from './support';

/** What a load run reports, whichever tool drove it. */
export interface LoadSummary {
  /** Answers per second over the measured time. */
  rate: number;
  /** Requests answered. */
  total: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  statuses: Map<number, number>;
  non2xx: number;
  /** Requests that got no HTTP answer (connection errors, timeouts). */
  errors: number;
}

export interface OpenLoopRequest {
  method: string;
  path: string;
  /** Besides Host and Content-Length, which the open loop writes itself. */
  headers: Record<string, string>;
  body?: string;
}

/** A request unanswered after this long counts as an error rather than holding the run open. */
const ANSWER_TIMEOUT_MS = 30_000;
const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection, one request at a time (HTTP/1.1 without pipelining, as a browser or a phone sends). */
interface Connection {
  socket: net.Socket;
  /** The moment the request in flight was due, or undefined when the connection is free. */
  due: number | undefined;
  /** What has come back of the answer so far. */
  received: Buffer[];
  receivedBytes: number;
  /** From the answer's head, once it is in: its status and where its body ends (head included). */
  status: number;
  end: number;
}

/**
 * An offered load: `rate` requests a second for `durationS` seconds, each leaving at its own evenly spaced moment
 * whatever the answers to the others, over at most `maxSockets` keep-alive connections.
 *
 * Why not autocannon's `overallRate`: autocannon gives each connection a quota per second and lets it send that quota
 * as fast as it can when the second starts, then wait; all connections start their seconds together, so the "paced"
 * load is really flat out for most of each second, and its p99 is the flat-out p99. Here the moments are spread
 * evenly, and each request's latency counts from the moment it was due, not from when a connection came free, so a
 * queue in the sender shows in the figures instead of hiding them (no coordinated omission).
 *
 * Why raw sockets and not node:http: the load shares the machine's two cores with what it measures, so every
 * microsecond it spends is taken from the server or PostgreSQL. node:http's client (an Agent, a parser, streams and
 * events per request) cost 70–100 µs of CPU a request here, more than autocannon's 40–50; writing the request's bytes
 * and reading only the status line and Content-Length of the answer costs a fraction of that. The servers measured
 * (Fastify) answer with a Content-Length; an answer without one is counted as an error.
 */
export async function openLoop(url: string, rate: number, durationS: number, maxSockets: number, next: () => OpenLoopRequest): Promise<LoadSummary> {
  const target = new URL(url);
  const host = target.hostname;
  const port = Number(target.port || 80);
  const hostHeader = `Host: ${target.host}\r\n`;
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let errors = 0;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const idle: Connection[] = [];
  const all = new Set<Connection>();
  /** Requests whose moment has come while every connection was busy: sent, in order, as connections come free. */
  const waiting: Array<{ due: number; bytes: string }> = [];

  const settle = (c: Connection, answered: boolean) => {
    const due = c.due!;
    c.due = undefined;
    c.received = [];
    c.receivedBytes = 0;
    c.end = -1;
    if (answered) {
      latencies.push(performance.now() - due);
      statuses.set(c.status, (statuses.get(c.status) ?? 0) + 1);
    } else errors++;
    inFlight--;
  };

  const free = (c: Connection) => {
    const w = waiting.shift();
    if (w) write(c, w.due, w.bytes);
    else idle.push(c);
    if (inFlight === 0 && waiting.length === 0 && drained) drained();
  };

  const write = (c: Connection, due: number, bytes: string) => {
    c.due = due;
    c.socket.write(bytes);
  };

  const onData = (c: Connection, chunk: Buffer) => {
    if (c.due === undefined) return; // bytes nobody asked for: ignored (the server would be at fault)
    c.received.push(chunk);
    c.receivedBytes += chunk.length;
    if (c.end < 0) {
      const joined = c.received.length === 1 ? chunk : Buffer.concat(c.received);
      c.received = [joined];
      const headEnd = joined.indexOf(HEADER_END);
      if (headEnd < 0) return;
      const head = joined.toString('latin1', 0, headEnd);
      c.status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (!length) {
        // a chunked or unbounded answer: this client does not read those, so the connection is given up (and the
        // request counted as an error, when the socket closes)
        c.socket.destroy();
        return;
      }
      c.end = headEnd + HEADER_END.length + Number(length[1]);
    }
    if (c.receivedBytes >= c.end) {
      settle(c, true);
      free(c);
    }
  };

  const connect = (): Connection => {
    const socket = net.connect({ host, port, noDelay: true });
    const c: Connection = { socket, due: undefined, received: [], receivedBytes: 0, status: 0, end: -1 };
    all.add(c);
    socket.on('data', (chunk: Buffer) => onData(c, chunk));
    const lost = () => {
      if (!all.has(c)) return;
      all.delete(c);
      const i = idle.indexOf(c);
      if (i >= 0) idle.splice(i, 1);
      if (c.due !== undefined) settle(c, false);
      // what was waiting for a connection gets a new one
      if (waiting.length > 0 && all.size < maxSockets) free(connect());
      else if (inFlight === 0 && waiting.length === 0 && drained) drained();
    };
    socket.on('error', lost);
    socket.on('close', lost);
    return c;
  };

  const send = (due: number) => {
    const r = next();
    let bytes = `${r.method} ${r.path} HTTP/1.1\r\n${hostHeader}`;
    for (const name in r.headers) bytes += `${name}: ${r.headers[name]}\r\n`;
    bytes += r.body === undefined ? '\r\n' : `content-length: ${Buffer.byteLength(r.body)}\r\n\r\n${r.body}`;
    inFlight++;
    const c = idle.pop() ?? (all.size < maxSockets ? connect() : undefined);
    if (c) write(c, due, bytes);
    else waiting.push({ due, bytes });
  };

  // a request unanswered after ANSWER_TIMEOUT_MS: its connection is closed and the request counted as an error
  const watchdog = setInterval(() => {
    const now = performance.now();
    for (const c of all) if (c.due !== undefined && now - c.due > ANSWER_TIMEOUT_MS) c.socket.destroy();
  }, 1000);

  const interval = 1000 / rate;
  const count = Math.round(rate * durationS);
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      // every request whose moment has come (a timer fires about once a millisecond: a few per tick at most)
      while (sent < count && started + sent * interval <= now) send(started + sent++ * interval);
      if (sent < count) setTimeout(tick, Math.max(0, started + sent * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  const sendingEnded = performance.now();
  if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
  clearInterval(watchdog);
  const open = [...all];
  all.clear(); // closed on purpose: not lost
  for (const c of open) c.socket.destroy();

  const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
  const sorted = Float64Array.from(latencies).sort();
  const at = (p: number) => percentile(sorted, p, 0);
  return {
    // what it served while it was being offered the load: the answers over the time until the last one came back
    rate: answered / ((Math.max(sendingEnded, performance.now()) - started) / 1000),
    total: answered,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: at(100),
    statuses,
    non2xx: [...statuses].filter(([code]) => code < 200 || code >= 300).reduce((a, [, n]) => a + n, 0),
    errors,
  };
}
