import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { DEMO, see, screenText, screenshot, shown, startE2E, type E2E, type Person } from './support/harness';

jest.setTimeout(300_000);

/**
 * Issue 21, item 2, in a real browser at a desktop's size and a phone's: an admin downloads the residents' template
 * from 导入台账, fills in 50 residents with two wrong rows, sees both errors (row, column, problem) and that nothing
 * was imported, fixes them, and imports all 50.
 */
describe('导入台账 (the import screen)', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  const people = async () => Number((await e2e.database.db.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM app_user`))[0]!.n);

  /** The template's data sheet filled with 50 residents; `wrong`: rows 3 and 7 (Excel's numbers 4 and 8) are wrong. */
  async function filled(template: Buffer, prefix: string, wrong: boolean): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(template as unknown as ArrayBuffer);
    const place = wb.getWorksheet('地区列表')!.getCell('A2').text;
    const ws = wb.getWorksheet('居民台账')!;
    const headers = (ws.getRow(1).values as ExcelJS.CellValue[]).slice(1).map(String);
    const col = (h: string) => headers.indexOf(h) + 1;
    ws.spliceRows(2, 1); // the example row goes (it would be skipped anyway)
    for (let i = 0; i < 50; i++) {
      const r = ws.getRow(2 + i);
      r.getCell(col('姓名')).value = `导入居民${prefix}${i}`;
      r.getCell(col('手机号')).value = wrong && i === 2 ? '1380013' : `1${prefix}${String(i).padStart(6, '0')}`;
      r.getCell(col('所属网格')).value = wrong && i === 6 ? '月球网格' : place;
      r.getCell(col('台账标签')).value = i % 2 === 0 ? '独居老人' : '空巢老人、低保户';
      r.getCell(col('住址')).value = `幸福小区${i + 1}号`;
    }
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  async function flow(admin: Person, prefix: string, size: 'phone' | 'desktop'): Promise<void> {
    const { page } = admin;
    await page.goto(`${e2e.url}/#/pages/manage/import/index`);
    await see(page, '下载模板（居民台账）');

    const [download] = await Promise.all([page.waitForEvent('download'), shown(page).locator('.import-page__template').click()]);
    expect(download.suggestedFilename()).toBe('居民台账导入模板.xlsx');
    const template = readFileSync(await download.path());

    const choose = async (file: Buffer) => {
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), shown(page).locator('.import-page__choose').click()]);
      await chooser.setFiles({ name: '居民台账.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: file });
      await see(page, '居民台账.xlsx');
    };

    const before = await people();
    await choose(await filled(template, prefix, true));
    await shown(page).locator('.import-page__check').click();
    await see(page, '共有 2 处错误，没有导入任何数据');
    const table = shown(page).locator('.import-table');
    await see(page, '请输入 11 位手机号码');
    await see(page, /找不到「月球网格」/);
    const rows = await table.locator('.import-table__row').allInnerTexts();
    expect(rows.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual([
      '行 列 问题',
      '4 手机号 请输入 11 位手机号码',
      expect.stringMatching(/^8 所属网格 找不到「月球网格」/),
    ]);
    await screenshot(page, `import-errors-${size}`);
    // 导入 too is refused whole: nobody of the 48 good rows is registered
    await shown(page).locator('.import-page__import').click();
    await see(page, '共有 2 处错误，没有导入任何数据');
    expect(await people()).toBe(before);

    await choose(await filled(template, prefix, false));
    await shown(page).locator('.import-page__check').click();
    await see(page, '检查通过：共 50 行，没有错误，可以导入');
    await shown(page).locator('.import-page__import').click();
    await see(page, '导入完成：共 50 行');
    expect(await shown(page).locator('.import-page__count').allInnerTexts()).toEqual([
      expect.stringMatching(/^50\s*新登记$/),
      expect.stringMatching(/^0\s*已更新$/),
      expect.stringMatching(/^0\s*无变化$/),
    ]);
    await screenshot(page, `import-done-${size}`);
    expect(await people()).toBe(before + 50);
  }

  it('at a phone’s size (375×812)', async () => {
    const admin = await e2e.login(DEMO.admin.phone);
    try {
      await flow(admin, '3710', 'phone');
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- screen:\n${await screenText(admin.page).catch(() => '')}\n--- problems:\n${admin.problems.join('\n')}`, {
        cause: err,
      });
    }
    expect(admin.problems).toEqual([]);
  });

  it('at a desktop’s size (1280×800): the steps beside the errors', async () => {
    const admin = await e2e.login(DEMO.admin.phone);
    await admin.page.setViewportSize({ width: 1280, height: 800 });
    try {
      await flow(admin, '3720', 'desktop');
      // the steps and the answer side by side
      const steps = await shown(admin.page).locator('.import-page__steps').boundingBox();
      const outcome = await shown(admin.page).locator('.import-page__outcome').boundingBox();
      expect(outcome!.x).toBeGreaterThan(steps!.x + steps!.width - 1);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- screen:\n${await screenText(admin.page).catch(() => '')}\n--- problems:\n${admin.problems.join('\n')}`, {
        cause: err,
      });
    }
    expect(admin.problems).toEqual([]);
  });
});
