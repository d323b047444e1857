import type { DataSource, EntityManager } from 'typeorm';
import { Statement, run } from '../../db/prepared';
import { User } from '../users/user.entity';
import type { ActorRow, ActorRows } from './actor-row';

/**
 * Auth's data access: the people behind tokens (read on every authenticated request) and the accounts a login
 * finds or makes. The people are read in raw SQL as one prepared statement (the hot path: see plugin.ts), the
 * accounts through TypeORM's repository.
 */

/**
 * The people with these ids and their places, as `ActorRows` names the columns. The ids come as text cast to uuid[]
 * so that the planner cannot count them: with a countable array every call's custom plan looked cheaper than the
 * generic one, and the statement was planned again on every call (0.2 ms of 0.3).
 */
export function actorsByIdStatement(rows: ActorRows): Statement<ActorRow> {
  return new Statement<ActorRow>(
    'auth_actors',
    `SELECT ${rows.select('u', 'r')} FROM app_user u LEFT JOIN region r ON r.id = u.region_id WHERE u.id = ANY($1::text::uuid[])`,
  );
}

/** Runs `actorsByIdStatement` for the distinct ids given; rows in no particular order, none for an unknown id. */
export async function findActorRows(db: DataSource, statement: Statement<ActorRow>, ids: readonly string[]): Promise<ActorRow[]> {
  return run(db, statement, [[...new Set(ids)]]);
}

/** The account of a WeChat openid, made (a plain resident) on its first login. */
export async function findOrCreateWechatUser(m: EntityManager, openid: string): Promise<User> {
  // Two first logins at once: the unique openid lets one insert win; the other finds it.
  await m.query(`INSERT INTO app_user (name, wechat_openid, roles) VALUES ('微信用户', $1, '{resident}') ON CONFLICT (wechat_openid) DO NOTHING`, [openid]);
  return m.getRepository(User).findOneByOrFail({ wechatOpenid: openid });
}

/** The account of a phone, made (a plain resident called `name`) on its first login; as above for two at once. */
export async function findOrCreatePhoneUser(m: EntityManager, phone: string, name: string): Promise<User> {
  await m.query(`INSERT INTO app_user (name, phone, roles) VALUES ($1, $2, '{resident}') ON CONFLICT (phone) DO NOTHING`, [name, phone]);
  return m.getRepository(User).findOneByOrFail({ phone });
}
