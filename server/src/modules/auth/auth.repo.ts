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
  // with each person, which of the tokens' ids asked about ($2) were logged out: one statement still (a probe of
  // revoked_token's primary key per person, on a table that holds only the logouts of tokens not yet expired)
  return new Statement<ActorRow>(
    'auth_actors_sessions',
    `SELECT ${rows.select('u', 'r')},
            ARRAY(SELECT t.jti::text FROM revoked_token t WHERE t.jti = ANY($2::text::uuid[]) AND t.user_id = u.id) AS "${REVOKED}"
     FROM app_user u LEFT JOIN region r ON r.id = u.region_id WHERE u.id = ANY($1::text::uuid[])`,
  );
}

/** The column of `actorsByIdStatement` listing the revoked token ids among those asked about. */
const REVOKED = 'session.revoked';

/** The token ids asked about that were logged out, from a row of `actorsByIdStatement`. */
export function revokedIn(row: ActorRow): string[] {
  return (row[REVOKED] as string[] | undefined) ?? [];
}

/**
 * Runs `actorsByIdStatement` for the distinct ids given, asking about the token ids given; rows in no particular
 * order, none for an unknown id.
 */
export async function findActorRows(db: DataSource, statement: Statement<ActorRow>, ids: readonly string[], jtis: readonly string[] = []): Promise<ActorRow[]> {
  return run(db, statement, [[...new Set(ids)], [...new Set(jtis)]]);
}

/**
 * Logout of one token: its id is refused until the token would have expired anyway. Rows past their expiry
 * mean nothing and go now (a few at a time: the table stays as small as the logouts of live tokens).
 */
export async function revokeToken(db: DataSource, token: { jti: string; userId: string; expiresAt: Date }): Promise<void> {
  await db.query(`INSERT INTO revoked_token (jti, user_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING`, [
    token.jti,
    token.userId,
    token.expiresAt,
  ]);
  await db.query(`DELETE FROM revoked_token WHERE jti IN (SELECT jti FROM revoked_token WHERE expires_at < now() LIMIT 100)`);
}

/** Log out everywhere: every token signed before now carries an older version. */
export async function bumpTokenVersion(db: DataSource, userId: string): Promise<void> {
  await db.query(`UPDATE app_user SET token_version = token_version + 1 WHERE id = $1`, [userId]);
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
