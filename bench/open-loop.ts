import http from 'node:http';
import { performance } from 'node:perf_hooks';

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
  headers: Record<string, string>;
  body?: string;
}

/**
 * An offered load: `rate` requests a second for `durationS` seconds, each leaving at its own evenly spaced moment
 * whatever the answers to the others, over at most `maxSockets` keep-alive connections.
 *
 * Why not autocannon's `overallRate`: autocannon gives each connection a quota per second and lets it send that quota
 * as fast as it can when the second starts, then wait; all connections start their seconds together, so the "paced"
 * load is really flat out for most of each second, and its p99 is the flat-out p99. Here the moments are spread
 * evenly, and each request's latency counts from the moment it was due, not from when a socket came free, so a queue
 * in the sender shows in the figures instead of hiding them (no coordinated omission).
 */
export async function openLoop(url: string, rate: number, durationS: number, maxSockets: number, next: () => OpenLoopRequest): Promise<LoadSummary> {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let errors = 0;
  let pending = 0;
  let drained: (() => void) | undefined;

  const send = (due: number) => {
    const r = next();
    pending++;
    let settled = false;
    const finish = (answered: boolean) => {
      if (settled) return;
      settled = true;
      if (answered) latencies.push(performance.now() - due);
      else errors++;
      if (--pending === 0 && drained) drained();
    };
    const req = http.request({ host: target.hostname, port: target.port, method: r.method, path: r.path, headers: r.headers, agent }, (res) => {
      const code = res.statusCode ?? 0;
      statuses.set(code, (statuses.get(code) ?? 0) + 1);
      res.resume();
      res.on('end', () => finish(true));
      res.on('error', () => finish(false));
    });
    // a request unanswered after 30 s counts as an error rather than holding the run open
    req.setTimeout(30_000, () => req.destroy(new Error('no answer in 30 s')));
    req.on('error', () => finish(false));
    req.end(r.body);
  };

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
  if (pending > 0) await new Promise<void>((resolve) => (drained = resolve));
  agent.destroy();

  const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
  return {
    // what it served while it was being offered the load: the answers over the time until the last one came back
    rate: answered / ((Math.max(sendingEnded, performance.now()) - started) / 1000),
    total: answered,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted.length === 0 ? 0 : sorted[sorted.length - 1]!,
    statuses,
    non2xx: [...statuses].filter(([code]) => code < 200 || code >= 300).reduce((a, [, n]) => a + n, 0),
    errors,
  };
}
