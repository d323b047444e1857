import { AUTH_DEV_LOGIN_PATH, type Role } from '@bangbang/shared';
import type { DataSource } from 'typeorm';

/** A demo person with a fixed, memorable phone: log in as them to try a role. */
export interface DemoAccount {
  role: Role;
  roleName: string;
  phone: string;
  name: string;
  /** Where they belong. */
  place: string;
  /** What to try as them. */
  tryIt: string;
}

/** One account per role; the demo seed creates these people (inside the generated population). */
export const DEMO_ACCOUNTS = [
  {
    role: 'admin',
    roleName: '管理员',
    phone: '13800000001',
    name: '赵振华',
    place: '巴彦淖尔市',
    tryIt: 'sees everything; sets up places, people, squads and the service catalogue',
  },
  {
    role: 'dispatcher',
    roleName: '调度员',
    phone: '13800000002',
    name: '张秀兰',
    place: '杭锦后旗',
    tryIt: 'the whole banner: dispatches orders to volunteers and squads, takes escalations from the towns',
  },
  {
    role: 'grid_worker',
    roleName: '网格员',
    phone: '13800000003',
    name: '王建军',
    place: '陕坝镇北城社区第一网格',
    tryIt: "keeps the grid's ledger (孙桂兰 is his 包联 household), orders on residents' behalf, leads 北城社区暖心服务小分队",
  },
  {
    role: 'volunteer',
    roleName: '志愿者',
    phone: '13800000004',
    name: '李海龙',
    place: '陕坝镇北城社区第一网格',
    tryIt: 'party member, on duty, three skills, in two squads: accepts tasks nearby',
  },
  {
    role: 'resident',
    roleName: '居民',
    phone: '13800000005',
    name: '孙桂兰',
    place: '杭锦后旗陕坝镇北城社区3号楼2单元401',
    tryIt: 'elderly and living alone (独居·高龄), paired with grid worker 王建军: orders help and follows it',
  },
  {
    role: 'resident',
    roleName: '在职党员',
    phone: '13800000006',
    name: '高志强',
    place: '陕坝镇北城社区',
    tryIt: 'employed party member (在职党员) living in 北城社区: 双报到 in 我的, then claims a community project (社区项目)',
  },
] as const satisfies readonly DemoAccount[];

export function demoAccount(role: (typeof DEMO_ACCOUNTS)[number]['role']): DemoAccount {
  const found = DEMO_ACCOUNTS.find((a) => a.role === role);
  if (!found) throw new Error(`no demo account for ${role}`);
  return found;
}

/**
 * The demo accounts this database really holds (same phone, name and role): none on a database that was never
 * seeded with demo data, or where someone has changed them.
 */
export async function demoAccountsInDatabase(ds: DataSource): Promise<DemoAccount[]> {
  const rows = await ds.query<Array<{ phone: string; name: string; roles: string[] }>>('SELECT phone, name, roles FROM app_user WHERE phone = ANY($1)', [
    DEMO_ACCOUNTS.map((a) => a.phone),
  ]);
  return DEMO_ACCOUNTS.filter((a) => rows.some((r) => r.phone === a.phone && r.name === a.name && r.roles.includes(a.role)));
}

/** The start-up lines listing the demo accounts. */
export function formatDemoAccounts(accounts: readonly DemoAccount[]): string {
  if (accounts.length === 0) return '';
  const lines = accounts.map(
    (a) =>
      `    ${a.roleName}${'\u3000'.repeat(Math.max(0, 3 - a.roleName.length))} ${a.role.padEnd(11)} ${a.phone}  ${a.name}\u3000${a.place}\n${' '.repeat(36)}${a.tryIt}`,
  );
  return `  Demo accounts (H5: the phone, then 获取验证码: the code is printed in this log; scripts: POST ${AUTH_DEV_LOGIN_PATH} {"phone": "…"}):\n${lines.join('\n')}\n\n`;
}
