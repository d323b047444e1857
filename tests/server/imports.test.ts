import ExcelJS from 'exceljs';
import { IMPORT_COLUMNS, isIdCardNumber, maskIdCard, type ErrorBody, type ErrorDetail, type ImportKind, type ImportResultDto } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * 导入台账 (issue 21, item 2): POST /imports/{kind} with a workbook built here with exceljs, through the real
 * application on a real database. Every problem a file or a row can have is answered as (row, column, Chinese
 * message) and imports nothing; a re-import updates instead of duplicating.
 */

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** A valid 身份证号 (GB 11643 check character) born 1950-01-01, numbered `seq`. */
function idCard(seq: number): string {
  const body = `15010219500101${String(seq).padStart(3, '0')}`;
  const sum = [...body].reduce((s, d, i) => s + Number(d) * ID_WEIGHTS[i]!, 0);
  return body + '10X98765432'[sum % 11]!;
}

/** A zip holding one stored (uncompressed) file: a zip that is not a workbook. */
function storedZip(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const fileName = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const centralOffset = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

type Cell = ExcelJS.CellValue;
type Row = Record<string, Cell>;

/** A workbook with a sheet of these headers (the kind's template's by default) and rows (by header). */
async function book(
  kind: ImportKind,
  rows: Row[],
  opts: { headers?: string[]; sheet?: string; before?: (wb: ExcelJS.Workbook) => void } = {},
): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  opts.before?.(wb);
  const ws = wb.addWorksheet(opts.sheet ?? 'Sheet1');
  const headers = opts.headers ?? IMPORT_COLUMNS[kind].map((c) => c.header);
  ws.addRow(headers);
  for (const r of rows) ws.addRow(headers.map((h) => r[h] ?? null));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A multipart/form-data body as a browser sends it: one file in `field`. */
function multipart(data: Buffer, field = 'file', filename = 'ledger.xlsx'): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----bangbangImportBoundary9a8b7c';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return {
    payload: Buffer.concat([Buffer.from(head), data, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

describe('导入台账 (POST /api/v1/imports/{kind}, GET …/template)', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await buildTestApp();
    w = await buildWorld(t.app, t.database.db);
  });
  afterAll(async () => {
    await t.close();
  });

  const post = async (kind: string, file: Buffer, token: string, { dryRun = false, field = 'file' } = {}) => {
    const body = multipart(file, field);
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/imports/${kind}${dryRun ? '?dryRun=true' : ''}`,
      headers: { ...bearer(token), ...body.headers },
      payload: body.payload,
    });
  };
  const people = async () => Number((await t.database.db.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM app_user`))[0]!.n);
  const byPhone = async (phone: string) => (await t.database.db.query<Array<Record<string, unknown>>>(`SELECT * FROM app_user WHERE phone = $1`, [phone]))[0];
  const errorsOf = (body: ErrorBody): ErrorDetail[] => body.details ?? [];
  /** The problem of a row and column (fails the test when there is none). */
  const problemAt = (body: ErrorBody, row: number, column: string) => {
    const found = errorsOf(body).find((d) => d.row === row && d.column === column);
    if (!found) throw new Error(`no problem at row ${row} / ${column}: ${JSON.stringify(body.details)}`);
    return found.message;
  };

  let seq = 0;
  /** A fresh mobile for each row written. */
  const phone = () => `1370000${String(++seq).padStart(4, '0')}`;

  describe('templates', () => {
    it('answer an .xlsx with the Chinese headers, one example row, 填写说明 and the places of the jurisdiction', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/imports/residents/template', headers: bearer(w.users.dispatcherT.token) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      expect(decodeURIComponent(String(res.headers['content-disposition']))).toContain('居民台账导入模板.xlsx');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
      expect(wb.worksheets.map((s) => s.name)).toEqual(['居民台账', '填写说明', '地区列表']);
      const data = wb.getWorksheet('居民台账')!;
      expect((data.getRow(1).values as Cell[]).slice(1)).toEqual(IMPORT_COLUMNS.residents.map((c) => c.header));
      expect(data.getCell('A2').text).toMatch(/^示例/);
      expect(data.rowCount).toBe(2);
      const help = wb.getWorksheet('填写说明')!;
      const helped = new Set<string>();
      help.eachRow((r) => helped.add(r.getCell(1).text));
      for (const c of IMPORT_COLUMNS.residents) expect(helped).toContain(c.header);
      // the town dispatcher's places only: T's communities and grids, never 丙社区 of the other town
      const places: string[] = [];
      wb.getWorksheet('地区列表')!.eachRow((r, n) => n > 1 && places.push(r.getCell(1).text));
      expect(places).toEqual(expect.arrayContaining(['测试旗/一号镇/甲社区/甲一网格', '测试旗/一号镇/乙社区']));
      expect(places.some((p) => p.includes('丙'))).toBe(false);
      // the example's ID-card number is a valid one (so the example shows the format)
      expect(isIdCardNumber(data.getCell('C2').text)).toBe(true);
    });

    it('for volunteers lists the service catalogue; grid workers may not have it (403); unknown kind 404; no token 401', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/imports/volunteers/template', headers: bearer(w.users.admin.token) });
      expect(res.statusCode).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
      expect(wb.worksheets.map((s) => s.name)).toEqual(['志愿者', '填写说明', '地区列表', '服务目录']);
      const services: string[] = [];
      wb.getWorksheet('服务目录')!.eachRow((r) => services.push(r.getCell(1).text));
      expect(services).toContain('送医送药');

      const gw = await t.app.inject({ method: 'GET', url: '/api/v1/imports/volunteers/template', headers: bearer(w.users.gridWorkerA1.token) });
      expect(gw.statusCode).toBe(403);
      expect(gw.json<ErrorBody>().message).toContain('网格员只能导入居民台账');
      const unknown = await t.app.inject({ method: 'GET', url: '/api/v1/imports/cadres/template', headers: bearer(w.users.admin.token) });
      expect(unknown.statusCode).toBe(404);
      const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/imports/residents/template' });
      expect(anonymous.statusCode).toBe(401);
      const resident = await post('residents', await book('residents', []), w.users.residentA1.token);
      expect(resident.statusCode).toBe(403);
    });

    it('round trip: the downloaded template, filled in with exceljs, imports; the same file again changes nothing', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/imports/residents/template', headers: bearer(w.users.dispatcherT.token) });
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
      const ws = wb.getWorksheet('居民台账')!;
      const headers = (ws.getRow(1).values as Cell[]).slice(1).map(String);
      const col = (h: string) => headers.indexOf(h) + 1;
      const phones = [phone(), phone(), phone()];
      phones.forEach((p, i) => {
        const r = ws.getRow(3 + i);
        r.getCell(col('姓名')).value = `模板居民${i}`;
        r.getCell(col('手机号')).value = p;
        r.getCell(col('所属网格')).value = i === 2 ? '甲二网格' : '甲社区/甲一网格';
        r.getCell(col('台账标签')).value = '独居老人、低保户';
        r.getCell(col('住址')).value = `甲社区${i + 1}号楼`;
        r.getCell(col('家属1姓名')).value = `家属${i}`;
        r.getCell(col('家属1关系')).value = '女儿';
        r.getCell(col('家属1手机')).value = `1360000${String(100 + i).padStart(4, '0')}`;
      });
      const filled = Buffer.from(await wb.xlsx.writeBuffer());
      const before = await people();

      const first = await post('residents', filled, w.users.dispatcherT.token);
      expect(first.statusCode).toBe(200);
      expect(first.json<ImportResultDto>()).toEqual({ kind: 'residents', dryRun: false, rows: 3, created: 3, updated: 0, unchanged: 0, sheet: '居民台账' });
      expect(await people()).toBe(before + 3);
      const stored = await byPhone(phones[2]!);
      expect(stored).toMatchObject({ name: '模板居民2', region_id: w.regions.A2, tags: ['living_alone', 'low_income'], roles: ['resident'] });
      const contacts = await t.database.db.query(`SELECT name, relation, phone FROM family_contact WHERE resident_id = $1`, [stored!.id]);
      expect(contacts).toEqual([{ name: '家属2', relation: 'child', phone: '13600000102' }]);

      const again = await post('residents', filled, w.users.dispatcherT.token);
      expect(again.statusCode).toBe(200);
      expect(again.json<ImportResultDto>()).toMatchObject({ rows: 3, created: 0, updated: 0, unchanged: 3 });
      expect(await people()).toBe(before + 3);
    });
  });

  describe('rows', () => {
    it('lists every problem of every row as (row, column, message) and imports nothing', async () => {
      const good = phone();
      const dup = phone();
      const rows: Row[] = [
        { 姓名: '好的一行', 手机号: good, 所属网格: '甲一网格' }, // row 2
        { 姓名: '错手机', 手机号: '1380000', 所属网格: '甲一网格' }, // 3
        { 姓名: '错身份证', 身份证号: '150102195001010011', 所属网格: '甲一网格' }, // 4 (bad check character)
        { 姓名: '无此网格', 手机号: phone(), 所属网格: '不存在网格' }, // 5
        { 姓名: '错标签', 手机号: phone(), 所属网格: '甲一网格', 台账标签: '独居老人、有钱人' }, // 6
        { 姓名: '重复甲', 手机号: dup, 所属网格: '甲一网格' }, // 7
        { 姓名: '重复乙', 手机号: dup, 所属网格: '甲二网格' }, // 8
        { 手机号: phone(), 所属网格: '甲一网格' }, // 9: no name
        { 姓名: '无联系方式', 所属网格: '甲一网格' }, // 10
        { 姓名: '错关系', 手机号: phone(), 所属网格: '甲一网格', 家属1姓名: '某某', 家属1关系: '邻居', 家属1手机: '13600009999' }, // 11
        { 姓名: '无干部', 手机号: phone(), 所属网格: '甲一网格', 包联干部手机号: '13911112222' }, // 12
        { 姓名: '错固话', 手机号: phone(), 所属网格: '甲一网格', 固定电话: '12345' }, // 13
        { 姓名: 'x'.repeat(41), 手机号: phone(), 所属网格: '甲一网格' }, // 14
        { 姓名: '家属缺手机', 手机号: phone(), 所属网格: '甲一网格', 家属2姓名: '某某' }, // 15
      ];
      const before = await people();
      const res = await post('residents', await book('residents', rows), w.users.dispatcherT.token);
      expect(res.statusCode).toBe(400);
      const body = res.json<ErrorBody>();
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.message).toMatch(/^共有 \d+ 处错误，没有导入任何数据。第 3 行「手机号」：/);
      expect(problemAt(body, 3, '手机号')).toBe('请输入 11 位手机号码');
      expect(problemAt(body, 4, '身份证号')).toContain('校验码');
      expect(problemAt(body, 5, '所属网格')).toContain('找不到「不存在网格」');
      expect(problemAt(body, 6, '台账标签')).toContain('「有钱人」不是台账标签');
      expect(problemAt(body, 8, '手机号')).toBe('与第 7 行的手机号重复（同一个人只能出现一次）');
      expect(problemAt(body, 9, '姓名')).toBe('必填');
      expect(problemAt(body, 10, '手机号')).toContain('请填写手机号或身份证号');
      expect(problemAt(body, 11, '家属1关系')).toContain('关系须为');
      expect(problemAt(body, 12, '包联干部手机号')).toContain('找不到这个手机号的包联干部');
      expect(problemAt(body, 13, '固定电话')).toContain('请输入固定电话');
      expect(problemAt(body, 14, '姓名')).toBe('最多 40 个字符');
      expect(problemAt(body, 15, '家属2手机')).toContain('请同时填写家属2手机');
      expect(errorsOf(body).some((d) => d.row === 2)).toBe(false);
      // sorted by row, every one with its row and column
      const rowsSeen = errorsOf(body).map((d) => d.row!);
      expect(rowsSeen).toEqual([...rowsSeen].sort((a, b) => a - b));
      expect(await people()).toBe(before);
      expect(await byPhone(good)).toBeUndefined();
    });

    it('dryRun checks and counts without changing anything (and writes no audit row)', async () => {
      const audits = async () => Number((await t.database.db.query(`SELECT count(*) AS n FROM audit_log WHERE action = 'people.import'`))[0].n);
      const a0 = await audits();
      const before = await people();
      const file = await book('residents', [
        { 姓名: '检查甲', 手机号: phone(), 所属网格: '甲一网格' },
        { 姓名: '甲一居民', 手机号: w.users.residentA1.phone, 所属网格: '甲一网格', 住址: '新地址' },
      ]);
      const res = await post('residents', file, w.users.dispatcherT.token, { dryRun: true });
      expect(res.statusCode).toBe(200);
      expect(res.json<ImportResultDto>()).toMatchObject({ dryRun: true, rows: 2, created: 1, updated: 1, unchanged: 0 });
      expect(await people()).toBe(before);
      expect((await byPhone(w.users.residentA1.phone))!.address).toBe('甲社区3号楼2单元401');
      expect(await audits()).toBe(a0);
    });

    it('a re-import updates the person matched by phone; empty cells keep what is there; an audit row says who, what, how many', async () => {
      const p = phone();
      const first = await book('residents', [{ 姓名: '王奶奶', 手机号: p, 所属网格: '甲一网格', 住址: '甲社区1号楼', 台账标签: '独居老人' }]);
      expect((await post('residents', first, w.users.dispatcherT.token)).statusCode).toBe(200);
      const id = (await byPhone(p))!.id;
      const before = await people();
      const second = await book('residents', [{ 姓名: '王奶奶', 手机号: p, 所属网格: '甲二网格', 台账标签: '独居老人、残疾人' }]);
      const res = await post('residents', second, w.users.dispatcherT.token);
      expect(res.json<ImportResultDto>()).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
      expect(await people()).toBe(before);
      expect(await byPhone(p)).toMatchObject({ id, region_id: w.regions.A2, address: '甲社区1号楼', tags: ['living_alone', 'disabled'] });
      const [audit] = await t.database.db.query(
        `SELECT actor_id, subject_type, subject_id, after FROM audit_log WHERE action = 'people.import' ORDER BY created_at DESC LIMIT 1`,
      );
      expect(audit).toEqual({
        actor_id: w.users.dispatcherT.id,
        subject_type: 'region',
        subject_id: w.regions.A2,
        after: { kind: 'residents', sheet: 'Sheet1', rows: 1, created: 0, updated: 1, unchanged: 0 },
      });
    });

    it('a resident without a phone is matched by 身份证号; the number is stored and only ever shown masked', async () => {
      const card = idCard(1);
      const first = await book('residents', [{ 姓名: '李爷爷', 身份证号: card, 固定电话: '0471-1234567', 所属网格: '甲一网格' }]);
      expect((await post('residents', first, w.users.dispatcherT.token)).json<ImportResultDto>()).toMatchObject({ created: 1 });
      const [row] = await t.database.db.query(`SELECT id, phone, id_card, name FROM app_user WHERE id_card = $1`, [card]);
      expect(row).toMatchObject({ phone: null, id_card: card, name: '李爷爷' });
      const second = await book('residents', [{ 姓名: '李永福', 身份证号: card.toLowerCase(), 所属网格: '甲一网格' }]);
      expect((await post('residents', second, w.users.dispatcherT.token)).json<ImportResultDto>()).toMatchObject({ created: 0, updated: 1 });
      const [after] = await t.database.db.query(`SELECT id, name, landline FROM app_user WHERE id_card = $1`, [card]);
      expect(after).toEqual({ id: row.id, name: '李永福', landline: '0471-1234567' });
      // the person as staff see them: no ID-card number in the answer at all; the mask is the only form it takes
      const seen = await t.app.inject({ method: 'GET', url: `/api/v1/users/${row.id}`, headers: bearer(w.users.dispatcherT.token) });
      expect(seen.statusCode).toBe(200);
      expect(seen.body).not.toContain(card);
      expect(maskIdCard(card)).toBe(`1501**********${card.slice(-4)}`);
      // the same number for a phone of someone else is refused, naming the column
      const clash = await book('residents', [{ 姓名: '冒名', 手机号: phone(), 身份证号: card, 所属网格: '甲一网格' }]);
      const res = await post('residents', clash, w.users.dispatcherT.token);
      expect(res.statusCode).toBe(200); // the person has no phone yet: the row gives them one
      expect(res.json<ImportResultDto>()).toMatchObject({ updated: 1 });
      const clash2 = await book('residents', [{ 姓名: '冒名', 手机号: phone(), 身份证号: card, 所属网格: '甲一网格' }]);
      const refused = await post('residents', clash2, w.users.dispatcherT.token);
      expect(refused.statusCode).toBe(400);
      expect(problemAt(refused.json(), 2, '身份证号')).toContain('已登记在另一个手机号名下');
    });

    it('a person who logs in with WeChat and has no phone keeps binding it themself', async () => {
      const card = idCard(3);
      await t.database.db.query(
        `INSERT INTO app_user (name, roles, region_id, wechat_openid, id_card) VALUES ('微信居民', '{resident}', $1, 'openid-import-1', $2)`,
        [w.regions.A1, card],
      );
      const res = await post(
        'residents',
        await book('residents', [{ 姓名: '微信居民', 手机号: phone(), 身份证号: card, 所属网格: '甲一网格' }]),
        w.users.dispatcherT.token,
      );
      expect(res.statusCode).toBe(400);
      expect(problemAt(res.json(), 2, '手机号')).toContain('手机号须由本人在“我的”页面绑定');
      // without the phone the row updates them by their ID-card number
      const ok = await post(
        'residents',
        await book('residents', [{ 姓名: '微信居民', 身份证号: card, 所属网格: '甲一网格', 住址: '甲社区7号楼' }]),
        w.users.dispatcherT.token,
      );
      expect(ok.json<ImportResultDto>()).toMatchObject({ updated: 1 });
    });

    it('a file where every one of 2,000 rows is wrong lists all 2,000 problems, quickly', async () => {
      const rows = Array.from({ length: 2000 }, (_, i) => ({ 姓名: `错${i}`, 手机号: '12345', 所属网格: '甲一网格' }));
      const started = Date.now();
      const res = await post('residents', await book('residents', rows), w.users.dispatcherT.token);
      expect(res.statusCode).toBe(400);
      expect(res.json<ErrorBody>().details).toHaveLength(2000);
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('volunteers: skills by name or code, 可服务时间 into the roster, 党员; a roster it cannot read is named', async () => {
      const p = phone();
      const file = await book('volunteers', [
        {
          姓名: '赵志愿',
          手机号: p,
          所属网格: '甲一网格',
          技能: '送医送药、medicine_delivery',
          可服务时间: '周一至周三 08:00-12:00；周六 14:00-18:00',
          党员: '是',
        },
        { 姓名: '钱志愿', 手机号: phone(), 所属网格: '甲一网格', 可服务时间: '早上有空' },
        { 姓名: '孙志愿', 手机号: phone(), 所属网格: '甲一网格', 技能: '开挖掘机' },
        { 姓名: '李志愿', 所属网格: '甲一网格', 身份证号: idCard(2) },
      ]);
      const res = await post('volunteers', file, w.users.dispatcherT.token);
      expect(res.statusCode).toBe(400);
      const body = res.json<ErrorBody>();
      expect(problemAt(body, 3, '可服务时间')).toContain('看不懂「早上有空」');
      expect(problemAt(body, 4, '技能')).toContain('「开挖掘机」不在服务目录中');
      expect(problemAt(body, 5, '手机号')).toContain('志愿者和工作人员须登记本人手机号');
      expect(errorsOf(body).some((d) => d.row === 2)).toBe(false);

      const ok = await book('volunteers', [
        {
          姓名: '赵志愿',
          手机号: p,
          所属网格: '甲一网格',
          技能: '送医送药、medicine_delivery',
          可服务时间: '周一至周三 08:00-12:00；周六 14:00-18:00',
          党员: '是',
        },
      ]);
      expect((await post('volunteers', ok, w.users.dispatcherT.token)).statusCode).toBe(200);
      expect(await byPhone(p)).toMatchObject({
        roles: ['volunteer'],
        skills: ['medicine_delivery'],
        party_member: true,
        roster: [
          { weekday: 1, start: '08:00', end: '12:00' },
          { weekday: 2, start: '08:00', end: '12:00' },
          { weekday: 3, start: '08:00', end: '12:00' },
          { weekday: 6, start: '14:00', end: '18:00' },
        ],
      });
      // a resident imported as a volunteer keeps being a resident
      const res2 = await post(
        'volunteers',
        await book('volunteers', [{ 姓名: '甲二居民', 手机号: w.users.residentA2.phone, 所属网格: '甲二网格' }]),
        w.users.dispatcherT.token,
      );
      expect(res2.json<ImportResultDto>()).toMatchObject({ updated: 1 });
      expect((await byPhone(w.users.residentA2.phone))!.roles).toEqual(['resident', 'volunteer']);
    });

    it('grid workers are imported by a dispatcher', async () => {
      const p = phone();
      const res = await post('grid-workers', await book('grid-workers', [{ 姓名: '新网格员', 手机号: p, 所属网格: '乙一网格' }]), w.users.dispatcherT.token);
      expect(res.statusCode).toBe(200);
      expect(await byPhone(p)).toMatchObject({ roles: ['grid_worker'], region_id: w.regions.B1 });
    });
  });

  describe('jurisdiction and roles', () => {
    it('a dispatcher cannot import into another community’s place, nor change a person outside their jurisdiction', async () => {
      const before = await people();
      const file = await book('residents', [
        { 姓名: '越界', 手机号: phone(), 所属网格: '甲一网格' },
        { 姓名: '丙一居民', 手机号: w.users.residentX1.phone, 所属网格: '丙一网格' },
      ]);
      const res = await post('residents', file, w.users.dispatcherT2.token);
      expect(res.statusCode).toBe(400);
      expect(problemAt(res.json(), 2, '所属网格')).toContain('找不到「甲一网格」');
      expect(await people()).toBe(before);

      const other = await post(
        'residents',
        await book('residents', [{ 姓名: '丙一居民', 手机号: w.users.residentX1.phone, 所属网格: '甲一网格' }]),
        w.users.dispatcherT.token,
      );
      expect(problemAt(other.json(), 2, '手机号')).toContain('管辖范围以外');
    });

    it('a grid worker imports residents of their grid only, and cannot grant dispatcher (or any role but resident)', async () => {
      const gw = w.users.gridWorkerA1.token;
      const res = await post(
        'residents',
        await book('residents', [
          { 姓名: '本网格', 手机号: phone(), 所属网格: '甲一网格' },
          { 姓名: '想当调度', 手机号: phone(), 所属网格: '甲一网格', 角色: '调度员' },
          { 姓名: '隔壁网格', 手机号: phone(), 所属网格: '甲二网格' },
          { 姓名: '志愿者', 手机号: phone(), 所属网格: '甲一网格', 角色: '居民、志愿者' },
        ]),
        gw,
      );
      expect(res.statusCode).toBe(400);
      const body = res.json<ErrorBody>();
      expect(problemAt(body, 3, '角色')).toContain('只有管理员可以授予或收回管理员、调度员角色');
      expect(problemAt(body, 4, '所属网格')).toContain('找不到「甲二网格」');
      expect(problemAt(body, 5, '角色')).toContain('网格员只能登记居民');
      expect(errorsOf(body).some((d) => d.row === 2)).toBe(false);
      const vol = await post('volunteers', await book('volunteers', []), gw);
      expect(vol.statusCode).toBe(403);
    });

    it('nobody changes themself or someone of their own rank by import', async () => {
      const res = await post(
        'residents',
        await book('residents', [
          { 姓名: '一号镇调度', 手机号: w.users.dispatcherT.phone, 所属网格: '甲一网格' },
          { 姓名: '甲一网格员', 手机号: w.users.gridWorkerA1.phone, 所属网格: '甲一网格' },
        ]),
        w.users.dispatcherT.token,
      );
      const body = res.json<ErrorBody>();
      expect(problemAt(body, 2, '手机号')).toContain('不能修改自己的');
      expect(res.statusCode).toBe(400);
    });
  });

  describe('files', () => {
    const expectFileError = async (file: Buffer, status: number, message: RegExp | string, kind = 'residents') => {
      const before = await people();
      const res = await post(kind, file, w.users.admin.token);
      expect(res.statusCode).toBe(status);
      const body = res.json<ErrorBody>();
      expect(body.code).toBe('VALIDATION_FAILED');
      if (typeof message === 'string') expect(body.message).toContain(message);
      else expect(body.message).toMatch(message);
      expect(body.message).not.toMatch(/body|undefined|Error|exceljs|zip/);
      expect(await people()).toBe(before);
      return body;
    };

    it('a file that is not a workbook: text, CSV, PNG, an old .xls, a zip that is not xlsx, a cut-off xlsx, nothing, a zip bomb', async () => {
      await expectFileError(Buffer.from('这不是表格'), 400, '文件不是 Excel 工作簿（.xlsx）');
      await expectFileError(Buffer.from('姓名,手机号\n张三,13800000000\n'), 400, '文件是文本（如 CSV）');
      await expectFileError(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 400, '文件不是 Excel 工作簿');
      await expectFileError(Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]), 400, '旧版 Excel（.xls）');
      await expectFileError(storedZip('readme.txt', 'hello'), 400, '文件是压缩包，但不是 Excel 工作簿');
      const good = await book('residents', [{ 姓名: '截断', 手机号: phone(), 所属网格: '甲一网格' }]);
      await expectFileError(good.subarray(0, Math.floor(good.length / 2)), 400, /文件(已损坏|不是 Excel 工作簿)/);
      await expectFileError(Buffer.alloc(0), 400, '上传的文件是空的');
      // a zip that says it unpacks to 2 GB (a zip bomb) is refused from its directory, before anything unpacks it
      const bomb = storedZip('xl/workbook.xml', '<workbook/>');
      bomb.writeUInt32LE(0x7fffffff, 30 + 'xl/workbook.xml'.length + '<workbook/>'.length + 24);
      await expectFileError(bomb, 413, '文件解压后过大');
    });

    it('no sheet, an empty sheet, headers only, a missing or misspelt header: each named', async () => {
      const none = new ExcelJS.Workbook();
      await expectFileError(Buffer.from(await none.xlsx.writeBuffer()), 400, '工作簿里没有工作表');
      const empty = new ExcelJS.Workbook();
      empty.addWorksheet('居民台账');
      await expectFileError(Buffer.from(await empty.xlsx.writeBuffer()), 400, '工作表「居民台账」是空的');
      await expectFileError(await book('residents', []), 400, '只有表头，没有要导入的数据');
      const missing = await expectFileError(await book('residents', [{ 姓名: '甲' }], { headers: ['姓名', '手机号'] }), 400, '缺少必填的列「所属网格」');
      expect(missing.details).toEqual([{ field: 'file', row: 1, column: '所属网格', message: '缺少必填的列「所属网格」' }]);
      const misspelt = await expectFileError(
        await book('residents', [{ 姓名: '甲', 所属网格: '甲一网格' }], { headers: ['姓名', '手机', '所属网格'] }),
        400,
        '表头「手机」不是导入模板中的列',
      );
      expect(misspelt.details![0]).toMatchObject({ row: 1, column: '手机' });
      // only the example row: nothing to import
      await expectFileError(await book('residents', [{ 姓名: '示例：张三', 手机号: phone(), 所属网格: '甲一网格' }]), 400, '只有示例行');
    });

    it('formulas: a saved result is used; one without a result, or an error value, is refused naming the cell', async () => {
      const p = phone();
      const used = await book('residents', [{ 姓名: { formula: '"公式"&"居民"', result: '公式居民' }, 手机号: p, 所属网格: '甲一网格' }]);
      expect((await post('residents', used, w.users.admin.token)).statusCode).toBe(200);
      expect((await byPhone(p))!.name).toBe('公式居民');

      const noResult = await book('residents', [{ 姓名: '甲', 手机号: { formula: 'B1&"1"' }, 所属网格: '甲一网格' }]);
      const body = await expectFileError(noResult, 400, /B2：单元格是公式，但文件中没有保存它的计算结果/);
      expect(body.details![0]).toMatchObject({ row: 2, column: '手机号' });
      const errorValue = await book('residents', [{ 姓名: '甲', 手机号: phone(), 所属网格: { formula: 'VLOOKUP(1,A:A,2)', result: { error: '#N/A' } } }]);
      await expectFileError(errorValue, 400, /E2：公式的结果是错误值 #N\/A/);
    });

    it('an ID-card number typed as a number (its last digits lost) is refused; a phone typed as a number is fine', async () => {
      const p = phone();
      const body = await expectFileError(
        await book('residents', [{ 姓名: '数字', 手机号: Number(p), 身份证号: Number('150102195001011234'), 所属网格: '甲一网格' }]),
        400,
        /C2：数字太长/,
      );
      expect(body.details).toHaveLength(1);
      expect(
        (await post('residents', await book('residents', [{ 姓名: '数字', 手机号: Number(p), 所属网格: '甲一网格' }]), w.users.admin.token)).statusCode,
      ).toBe(200);
    });

    it('more sheets than one: the sheet named after the kind is read, else the first', async () => {
      const p = phone();
      const file = await book('residents', [{ 姓名: '第二张表', 手机号: p, 所属网格: '甲一网格' }], {
        sheet: '居民台账',
        before: (wb) => wb.addWorksheet('封面').addRow(['2026 年重点人员台账']),
      });
      const res = await post('residents', file, w.users.admin.token);
      expect(res.statusCode).toBe(200);
      expect(res.json<ImportResultDto>().sheet).toBe('居民台账');
    });

    it('not multipart (415), the file in another field (400)', async () => {
      const json = await t.app.inject({ method: 'POST', url: '/api/v1/imports/residents', headers: bearer(w.users.admin.token), payload: { rows: [] } });
      expect(json.statusCode).toBe(415);
      const wrongField = await post('residents', await book('residents', []), w.users.admin.token, { field: 'workbook' });
      expect(wrongField.statusCode).toBe(400);
      expect(wrongField.json<ErrorBody>().message).toContain('字段 file');
    });
  });

  describe('limits (IMPORT_MAX_BYTES, IMPORT_MAX_ROWS)', () => {
    let small: TestApp;
    let sw: World;
    beforeAll(async () => {
      small = await buildTestApp({ IMPORT_MAX_BYTES: '8192', IMPORT_MAX_ROWS: '5' });
      sw = await buildWorld(small.app, small.database.db);
    });
    afterAll(async () => {
      await small.close();
    });
    const postSmall = async (file: Buffer) => {
      const body = multipart(file);
      return small.app.inject({
        method: 'POST',
        url: '/api/v1/imports/residents',
        headers: { ...bearer(sw.users.admin.token), ...body.headers },
        payload: body.payload,
      });
    };

    it('an oversized file is refused with 413 before it is parsed', async () => {
      const rows = Array.from({ length: 5 }, (_, i) => ({ 姓名: `大文件${i}`, 手机号: phone(), 所属网格: '甲一网格', 住址: '很长的地址'.repeat(30) }));
      const big = await book('residents', rows, {
        before: (wb) => wb.addWorksheet('填充').addRows(Array.from({ length: 2000 }, (_, i) => [`填充${i}`, Math.random()])),
      });
      expect(big.length).toBeGreaterThan(8192);
      const res = await postSmall(big);
      expect(res.statusCode).toBe(413);
      expect(res.json<ErrorBody>().message).toBe('文件太大：导入的工作簿不能超过 8 KB，请分成几个文件导入。');
    });

    it('more rows than allowed is refused, saying how many', async () => {
      const rows = Array.from({ length: 6 }, (_, i) => ({ 姓名: `行${i}`, 手机号: phone(), 所属网格: '甲一网格' }));
      const res = await postSmall(await book('residents', rows));
      expect(res.statusCode).toBe(400);
      expect(res.json<ErrorBody>().message).toBe('一次最多导入 5 行，这个文件有 6 行；请分成几个文件导入。');
    });
  });
});
