/**
 * PostgreSQL advisory lock ids, all in one place so two features never pick the same number.
 * Several API processes share one database: whatever must happen once (migrations, the demo seed) takes one.
 */
export const AdvisoryLock = {
  Migrations: 7_201_001,
  DemoSeed: 7_201_002,
} as const;
export type AdvisoryLock = (typeof AdvisoryLock)[keyof typeof AdvisoryLock];
