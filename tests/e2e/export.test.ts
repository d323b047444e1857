import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { DEMO, see, screenText, screenshot, shown, startE2E, step, tap, type E2E, type Person } from './support/harness';

jest.setTimeout(300_000);

/**
 * Issue 21, items 3 and 4, in a real browser at a desktop's and a phone's size: a dispatcher reads the statistics by
 * place and goes down a level, then exports last month's service ledger; the test reads the file the browser saved
 * with exceljs and compares it with the database.
 */

const BEIJING_MS = 8 * 3600_000;

/** Last month and this month's first day in Beijing, as the screen's 「上月」 computes them. */
function lastMonth(now = new Date()): { from: string; to: string } {
  const b = new Date(now.getTime() + BEIJING_MS);
  const y = b.getUTCFullYear();
  const m = b.getUTCMonth();
  const day = (yy: number, mm: number) => new Date(Date.UTC(yy, mm, 1)).toISOString().slice(0, 10);
  return { from: `${day(y, m - 1)}T00:00:00+08:00`, to: `${day(y, m)}T00:00:00+08:00` };
}

/** What an Excel date cell shows (its wall clock; exceljs reads it as UTC) and a database time in Beijing, alike. */
const shownTime = (cell: unknown) => (cell as Date).toISOString().slice(0, 16).replace('T', ' ');
const beijing = (d: Date) => new Date(d.getTime() + BEIJING_MS).toISOString().slice(0, 16).replace('T', ' ');

describe('statistics by place and the service ledger, in a browser', () => {
  let e2e: E2E;
  const sql = <T>(query: string, params: unknown[] = []) => e2e.database.db.query<T>(query, params);

  beforeAll(async () => {
    e2e = await startE2E();
    // the demo's two weeks of orders, moved (every time of theirs alike) into last month, so 上月 has them all
    const { to } = lastMonth();
    const [{ shift }] = await sql<[{ shift: string | null }]>(
      `SELECT CASE WHEN max(created_at) >= $1::timestamptz THEN (max(created_at) - $1::timestamptz + interval '1 day')::text END AS shift FROM service_order`,
      [to],
    );
    if (shift !== null) {
      for (const table of ['service_order', 'order_assignment', 'order_event']) {
        const columns = await sql<Array<{ column_name: string }>>(
          `SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND data_type = 'timestamp with time zone'`,
          [table],
        );
        await sql(`UPDATE ${table} SET ${columns.map((c) => `${c.column_name} = ${c.column_name} - $1::interval`).join(', ')}`, [shift]);
      }
    }
  });
  afterAll(async () => {
    await e2e?.close();
  });

  /** The dispatcher's orders of last month as the database holds them, oldest first. */
  async function ledgerInDatabase(): Promise<Array<{ id: string; created_at: Date; name: string; phone: string | null; category: string }>> {
    const { from, to } = lastMonth();
    return sql(
      `SELECT o.id, o.created_at, u.name, u.phone, c.name AS category
         FROM service_order o JOIN app_user u ON u.id = o.resident_id JOIN service_category c ON c.code = o.category_code
         JOIN app_user d ON d.phone = $1 JOIN region dr ON dr.id = d.region_id
        WHERE o.region_path LIKE dr.path || '%' AND o.created_at >= $2 AND o.created_at < $3
        ORDER BY o.created_at, o.id`,
      [DEMO.dispatcher.phone, from, to],
    );
  }

  /** Taps the button and answers the file the browser saved. */
  async function downloadBy(page: Page, button: string): Promise<{ name: string; bytes: Buffer }> {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), tap(page, button)]);
    const file = await download.path();
    return { name: download.suggestedFilename(), bytes: readFileSync(file) };
  }

  async function exportLedger(dispatcher: Person, shot: string): Promise<void> {
    const { page } = dispatcher;
    await page.goto(`${e2e.url}/#/pages/manage/export/index`);
    await see(page, '服务台账');
    await see(page, '我管辖的全部地区');
    await see(page, '上月');
    await screenshot(page, shot);
    const { name, bytes } = await downloadBy(page, '下载服务台账');
    expect(name).toMatch(/^服务台账-.+-\d{8}-\d{8}\.xlsx$/);
    await see(page, `已导出：${name}`);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('服务台账')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
    expect(header.slice(0, 4)).toEqual(['编号', '下单时间', '居民', '手机']);
    const rows: unknown[][] = [];
    sheet.eachRow((row, n) => {
      if (n > 1) rows.push((row.values as unknown[]).slice(1));
    });
    const expected = await ledgerInDatabase();
    expect(expected.length).toBeGreaterThan(10);
    expect(rows.map((r) => r[0])).toEqual(expected.map((o) => o.id));
    rows.forEach((r, i) => {
      const o = expected[i]!;
      expect([shownTime(r[1]), r[2], r[3] ?? null, r[header.indexOf('服务')]]).toEqual([beijing(o.created_at), o.name, o.phone, o.category]);
    });
  }

  it('a dispatcher drills down the statistics and exports last month’s service ledger, at a desktop’s width', async () => {
    const dispatcher = await e2e.login(DEMO.dispatcher.phone);
    const { page } = dispatcher;
    await page.setViewportSize({ width: 1280, height: 800 });
    await step(dispatcher, 'the statistics by place', async () => {
      await page.goto(`${e2e.url}/#/pages/dispatch/stats/index`);
      await tap(page, '上月');
      await see(page, '下级地区');
      await see(page, '需求数（件）');
      // the table of child places, and a chart beside it
      const table = shown(page).locator('.dispatch-stats__table');
      await table.waitFor({ state: 'visible' });
      const first = table.locator('.dispatch-stats__tr--down').first();
      const name = (await first.locator('.dispatch-stats__td--name').innerText()).split('\n')[0]!.replace('›', '').trim();
      await shown(page).locator('canvas').first().waitFor({ state: 'visible' });
      await screenshot(page, 'dispatch-stats-desktop');
      await first.click();
      // a level down: the breadcrumb ends at the row tapped
      await see(page, new RegExp(`› ${name}$`));
      await see(page, `${name}的下级地区`);
    });
    await step(dispatcher, 'the export', () => exportLedger(dispatcher, 'manage-export-desktop'));
    expect(dispatcher.problems).toEqual([]);
  });

  it('the same on a phone', async () => {
    const dispatcher = await e2e.login(DEMO.dispatcher.phone);
    const { page } = dispatcher;
    await step(dispatcher, 'the statistics by place', async () => {
      await page.goto(`${e2e.url}/#/pages/dispatch/stats/index`);
      await tap(page, '上月');
      await see(page, '下级地区');
      await screenshot(page, 'dispatch-stats-places');
    });
    await step(dispatcher, '自定义 asks for the first and the last day', async () => {
      await tap(page, '自定义');
      await see(page, '结束日期（含当天）');
      expect(await screenText(page)).toContain('开始日期');
    });
    await step(dispatcher, 'the export', () => exportLedger(dispatcher, 'manage-export'));
    expect(dispatcher.problems).toEqual([]);
  });
});
