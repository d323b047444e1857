import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Clock } from '../../clock';
import { runPeriodically } from '../../periodic';
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
    runPeriodically(app, {
      name: 'upload sweep',
      intervalMs: opts.intervalMs,
      run: async () => {
        const n = await opts.uploads.sweep(opts.clock());
        if (n > 0) app.log.info({ removed: n }, 'unreferenced uploads removed');
      },
    });
  },
  { name: 'upload-sweeper', dependencies: ['core'] },
);
