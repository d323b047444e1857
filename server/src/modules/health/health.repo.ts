import type { DataSource } from 'typeorm';

/** How long the health check waits for `SELECT 1` before calling the database down. */
const PING_TIMEOUT_MS = 2_000;

/** True when PostgreSQL answers `SELECT 1` within the timeout. Never throws, never hangs. */
export async function pingDatabase(db: DataSource, timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
  if (!db.isInitialized) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const ping = db.query('SELECT 1').then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
