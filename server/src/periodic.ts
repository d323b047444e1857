import type { FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from './db/errors';

export interface PeriodicWork {
  /** What the logs call it ('escalation sweep', 'upload sweep'). */
  name: string;
  /** How often; 0 or less: never (another process does it). */
  intervalMs: number;
  run: () => Promise<void>;
}

/**
 * Background work of one API process, every `intervalMs` from the moment the app is ready: never two runs at
 * once (a tick while one runs is skipped), a database outage logged as a skip rather than an error, and a run in
 * progress awaited when the app closes. (Issue 19 moves timed work onto graphile-worker: decision 0008.)
 */
export function runPeriodically(app: FastifyInstance, work: PeriodicWork): void {
  if (work.intervalMs <= 0) return;
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = work
      .run()
      .catch((err: unknown) => {
        if (isDatabaseUnavailable(err)) app.log.warn(`${work.name} skipped: database unavailable`);
        else app.log.error({ err }, `${work.name} failed`);
      })
      .finally(() => {
        running = null;
      });
  };
  let timer: NodeJS.Timeout | null = null;
  app.addHook('onReady', async () => {
    timer = setInterval(tick, work.intervalMs);
    timer.unref();
  });
  app.addHook('preClose', async () => {
    if (timer) clearInterval(timer);
    await running;
  });
}
