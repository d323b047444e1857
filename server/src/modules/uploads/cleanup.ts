import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Clock } from '../../clock';
import { isDatabaseUnavailable } from '../../db/errors';
import type { UploadService } from './service';

export interface UploadSweeperOptions {
  uploads: UploadService;
  clock: Clock;
  /** How often to sweep (UPLOAD_SWEEP_SECONDS); 0 turns the sweeper off. */
  intervalMs: number;
}

/**
 * The background sweep of one API process: photos no order refers to 24 hours after their upload are deleted
 * (`UploadService.sweep`). Every process may run one: a sweep takes a transaction-level advisory try-lock, so only
 * one sweeps at a time and the others find nothing to do. Stops with the app, waiting for a sweep in progress.
 */
export const uploadSweeper = fp(
  async (app: FastifyInstance, opts: UploadSweeperOptions) => {
    if (opts.intervalMs <= 0) return;
    let running: Promise<void> | null = null;
    const tick = () => {
      if (running) return;
      running = opts.uploads
        .sweep(opts.clock())
        .then((n) => {
          if (n > 0) app.log.info({ removed: n }, 'unreferenced uploads removed');
        })
        .catch((err: unknown) => {
          if (isDatabaseUnavailable(err)) app.log.warn('upload sweep skipped: database unavailable');
          else app.log.error({ err }, 'upload sweep failed');
        })
        .finally(() => {
          running = null;
        });
    };
    let timer: NodeJS.Timeout | null = null;
    app.addHook('onReady', async () => {
      timer = setInterval(tick, opts.intervalMs);
      timer.unref();
    });
    app.addHook('preClose', async () => {
      if (timer) clearInterval(timer);
      await running;
    });
  },
  { name: 'upload-sweeper', dependencies: ['core'] },
);
