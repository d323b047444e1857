import type { DataSource } from 'typeorm';
import { fieldError } from '../../errors';
import type { MsgSecCheck, Scene, Verdict } from './msg-sec-check';
import { openidOf } from './moderation.repo';

/** A piece of what a person wrote, and the request field it came in (named in a refusal). */
export interface Written {
  field: string;
  text: string | null | undefined;
  scene: Scene;
}

/** What is left to do after a check that did not refuse: nothing, or a person should look at it (and why). */
export type Outcome = 'pass' | 'review' | 'unchecked';

export interface ModerationDeps {
  db: DataSource;
  /** WeChat's check; undefined when WeChat is not configured (then nothing is checked). */
  check: MsgSecCheck | undefined;
}

/**
 * User-written text through WeChat's content security check (issue 18, item 13), when WeChat is configured and the
 * author has a WeChat openid (version 2 of the check judges text with its author; a person who only ever logged in
 * by SMS in a browser cannot be checked, and their text goes through unchecked and unflagged). Text WeChat calls
 * risky is refused with a 400 naming the field; the caller keeps the rest and flags `review` / `unchecked` itself.
 */
export function createModeration({ db, check }: ModerationDeps) {
  return {
    enabled: check !== undefined,

    /** Checks every non-empty text of `authorId`'s (in parallel): 400 for risky text; else what is left to do. */
    async checkTexts(authorId: string, texts: readonly Written[]): Promise<Outcome> {
      if (!check) return 'pass';
      const todo = texts.filter((t): t is Written & { text: string } => typeof t.text === 'string' && t.text.trim() !== '');
      if (todo.length === 0) return 'pass';
      const openid = await openidOf(db.manager, authorId);
      if (!openid) return 'pass';
      const verdicts: Verdict[] = await Promise.all(todo.map((t) => check({ openid, content: t.text, scene: t.scene })));
      const risky = verdicts.findIndex((v) => v === 'risky');
      if (risky >= 0) throw fieldError(todo[risky]!.field, '内容可能含有不当信息，请修改后再提交');
      if (verdicts.includes('review')) return 'review';
      if (verdicts.includes('unchecked')) return 'unchecked';
      return 'pass';
    },
  };
}

export type Moderation = ReturnType<typeof createModeration>;
