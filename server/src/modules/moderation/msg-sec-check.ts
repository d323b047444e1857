/**
 * WeChat's content security check for text (`POST /wxa/msg_sec_check?access_token=…`, version 2): what a person wrote,
 * with their openid (WeChat judges text in the context of the user, who must have used the mini-program in the last
 * two hours) and a scene. WeChat answers `pass`, `review` (a person should look at it) or `risky` (refuse it).
 *
 * This never throws: when WeChat cannot be asked or does not answer sensibly the verdict is `unchecked`, and the
 * caller decides (an order still goes through, flagged for staff: a request for help is never lost to a checker).
 */

/** 1 资料 (names, addresses), 2 评论 (comments), 3 论坛, 4 社交日志 (an order's description). */
export type Scene = 1 | 2 | 3 | 4;
export type Verdict = 'pass' | 'review' | 'risky' | 'unchecked';

/** The mini-program's access token, shared with the other WeChat calls (see auth/wechat-token.ts). */
export interface AccessTokenSource {
  get(): Promise<string>;
  /** WeChat said this token is no longer good (40001/42001): the next `get` fetches another. */
  invalidate(token: string): void;
}

export interface TextCheck {
  openid: string;
  content: string;
  scene: Scene;
}

export type MsgSecCheck = (c: TextCheck) => Promise<Verdict>;

interface Answer {
  errcode?: number;
  errmsg?: string;
  result?: { suggest?: string; label?: number };
}

const TIMEOUT_MS = 3_000;

export interface MsgSecCheckLog {
  warn(obj: object, msg: string): void;
}

export function createMsgSecCheck(apiBase: string, tokens: AccessTokenSource, log: MsgSecCheckLog): MsgSecCheck {
  const ask = async (token: string, c: TextCheck): Promise<Answer> => {
    const url = new URL(`${apiBase}/wxa/msg_sec_check`);
    url.searchParams.set('access_token', token);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: c.content, version: 2, scene: c.scene, openid: c.openid }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    return (await res.json()) as Answer;
  };

  return async (c) => {
    try {
      let token = await tokens.get();
      let answer = await ask(token, c);
      if (answer.errcode === 40001 || answer.errcode === 42001) {
        tokens.invalidate(token);
        token = await tokens.get();
        answer = await ask(token, c);
      }
      if (answer.errcode !== undefined && answer.errcode !== 0) {
        // 61010: the user has not opened the mini-program in the last two hours; -1: busy; and the rest
        log.warn({ errcode: answer.errcode, errmsg: answer.errmsg }, 'WeChat msg_sec_check refused to check; the text is flagged unchecked');
        return 'unchecked';
      }
      const suggest = answer.result?.suggest;
      if (suggest === 'pass' || suggest === 'review' || suggest === 'risky') return suggest;
      log.warn({ answer: { errcode: answer.errcode, suggest } }, 'WeChat msg_sec_check answered without a verdict; the text is flagged unchecked');
      return 'unchecked';
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'WeChat msg_sec_check unreachable; the text is flagged unchecked');
      return 'unchecked';
    }
  };
}
