/** What global-setup hands to the test files (through the environment, which jest's workers inherit). */
export const ENV_ADMIN_URL = 'BANGBANG_TEST_ADMIN_URL';
export const ENV_TEMPLATE_DB = 'BANGBANG_TEST_TEMPLATE_DB';

export function adminUrl(): string {
  const url = process.env[ENV_ADMIN_URL];
  if (!url) throw new Error('tests must run through jest with tests/support/global-setup.ts (no admin URL)');
  return url;
}

export function templateDb(): string {
  const name = process.env[ENV_TEMPLATE_DB];
  if (!name) throw new Error('tests must run through jest with tests/support/global-setup.ts (no template database)');
  return name;
}

/** The same server as adminUrl, another database. */
export function urlFor(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}
