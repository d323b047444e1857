/**
 * PostgreSQL advisory lock ids, all in one place so two features never pick the same number.
 * Several API processes share one database: whatever must happen once (migrations, the demo seed) takes one.
 */
export const AdvisoryLock = {
  Migrations: 7_201_001,
  DemoSeed: 7_201_002,
  /** One sweep of unreferenced uploads at a time, whichever process runs it (a transaction-level try-lock). */
  UploadSweep: 7_201_003,
  /** With the person's hashed id as the second key: one upload reservation per person at a time. */
  UploadQuota: 7_201_004,
  /** With the phone (hashed) as the second key: SMS codes of one phone are issued one at a time (their limits). */
  PhoneCode: 7_201_005,
  /** With the person's id (hashed): one accept per person at a time (tasks in hand, MATCH_MAX_ACTIVE_TASKS). */
  HallAccept: 7_201_006,
} as const;
export type AdvisoryLock = (typeof AdvisoryLock)[keyof typeof AdvisoryLock];
