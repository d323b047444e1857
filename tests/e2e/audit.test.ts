import { DEMO, see, screenText, screenshot, shown, startE2E, tap, type E2E } from './support/harness';

jest.setTimeout(300_000);

/**
 * Issue 18, item 6, in a real browser: an admin opens 审计记录 from 我的 and sees a dispatcher's change and who
 * looked at whose full phone and address (and which ledger they exported), and filters by the person who acted.
 */
describe('the audit screen (审计记录, admins)', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('shows the changes and the views, and filters by the person who acted', async () => {
    // the demo dispatcher changes a resident's address and so sees her in full (one audit row, one access row)
    const login = await fetch(`${e2e.url}/api/v1/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: DEMO.dispatcher.phone }),
    });
    const { token } = (await login.json()) as { token: string };
    // takes out the households' ledger (重点人员台账): the export's own row of the access log, listed above the people it showed
    const exported = await fetch(`${e2e.url}/api/v1/exports/households.csv`, { headers: { authorization: `Bearer ${token}` } });
    expect(exported.status).toBe(200);
    await exported.text();
    const [resident] = await e2e.database.db.query<Array<{ id: string }>>(`SELECT id FROM app_user WHERE phone = $1`, [DEMO.resident.phone]);
    const patch = await fetch(`${e2e.url}/api/v1/users/${resident!.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ address: '陕坝镇幸福社区3号楼2单元401' }),
    });
    expect(patch.status).toBe(200);

    const admin = await e2e.login(DEMO.admin.phone);
    try {
      await admin.page.goto(`${e2e.url}/#/pages/me/index`);
      await see(admin.page, '审计记录');
      await shown(admin.page).locator('.me__audit').click();
      await see(admin.page, '修改人员资料');
      await see(admin.page, DEMO.dispatcher.name);
      await screenshot(admin.page, 'admin-audit');
      // tapping the dispatcher filters by them
      await shown(admin.page).locator('.audit-entry__link', { hasText: DEMO.dispatcher.name }).first().click();
      await see(admin.page, `操作人：${DEMO.dispatcher.name}`);
      await tap(admin.page, '查看记录');
      await see(admin.page, DEMO.resident.name);
      await see(admin.page, /查看了手机号、详细地址/);
      await see(admin.page, '导出了重点人员台账');
      await see(admin.page, /^\d+ 行，CSV$/);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- screen:\n${await screenText(admin.page).catch(() => '')}\n--- problems:\n${admin.problems.join('\n')}`, {
        cause: err,
      });
    }
    expect(admin.problems).toEqual([]);
  });
});
