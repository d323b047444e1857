import type { EntityManager } from 'typeorm';

/** The WeChat openid of a person (null: they never logged in through WeChat), undefined for no such person. */
export async function openidOf(m: Pick<EntityManager, 'query'>, personId: string): Promise<string | null | undefined> {
  const rows = await m.query<Array<{ wechat_openid: string | null }>>(`SELECT wechat_openid FROM app_user WHERE id = $1`, [personId]);
  return rows[0]?.wechat_openid;
}
