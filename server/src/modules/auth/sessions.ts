import type { DataSource } from 'typeorm';
import type { Actor, TokenSession } from './actor';
import { bumpTokenVersion, revokeToken } from './auth.repo';

/**
 * Ending login sessions. A token names its person, the person's token version when it was signed, and its own id
 * (jti); the auth hook reads the person on every request and refuses a token of another version or on the
 * denylist, so an ended session ends at once in every API process.
 */
export function createSessionService({ db }: { db: DataSource }) {
  return {
    /** 退出登录: this token only. A token older than token ids (none) is ended with all the person's others. */
    async logout(actor: Actor, session: TokenSession): Promise<void> {
      if (session.jti === null) await bumpTokenVersion(db, actor.id);
      else await revokeToken(db, { jti: session.jti, userId: actor.id, expiresAt: session.expiresAt });
    },

    /** 退出所有设备: every token of the person signed so far. */
    async logoutEverywhere(actor: Actor): Promise<void> {
      await bumpTokenVersion(db, actor.id);
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
