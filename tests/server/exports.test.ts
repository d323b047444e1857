import 'reflect-metadata';
import type { AccessLogEntryDto, ErrorBody, OrderDto, Page, StatsByPlaceDto } from '@bangbang/shared';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/src/app';
import { csvField } from '../../server/src/modules/exports/sheet-writer';
import { testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * 导出台账: what comes out is what the database holds (read back with exceljs, and as CSV), with Chinese headers and
 * Beijing times; each viewer gets only their jurisdiction; every export is in the access log; bad periods and
 * places are refused in the error contract; CSV cells cannot smuggle a formula into Excel.
 */

const MINUTE = 60_000;
const T0 = new Date('2026-11-03T01:30:00.000Z'); // 09:30 in Beijing
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * MINUTE);
const FROM = '2026-11-01T00:00:00+08:00';
const TO = '2026-12-01T00:00:00+08:00';
const PERIOD = `from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`;

/** `2026-11-03 09:30`: a time as the ledgers write it (Beijing time). */
function beijing(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}

/** What an Excel date cell shows: its wall-clock reading (Excel dates have no zone; exceljs reads them as UTC). */
function shown(cell: unknown): string {
  return (cell as Date).toISOString().slice(0, 16).replace('T', ' ');
}

/** A minimal RFC 4180 reader (quoted fields with doubled quotes, CRLF), enough to read our own CSV back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

/** The sheet's rows as arrays of cell values (exceljs counts from 1). */
async function readSheet(payload: Buffer, name?: string): Promise<{ header: string[]; rows: unknown[][]; workbook: ExcelJS.Workbook }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(payload as unknown as ArrayBuffer);
  const sheet = name === undefined ? workbook.worksheets[0]! : workbook.getWorksheet(name)!;
  const all: unknown[][] = [];
  sheet.eachRow({ includeEmpty: false }, (row) => {
    const values = row.values as unknown[];
    all.push(values.slice(1));
  });
  const [header, ...rows] = all;
  return { header: header as string[], rows, workbook };
}

const LEDGER_HEADER = [
  '编号',
  '下单时间',
  '居民',
  '手机',
  '固定电话',
  '地址',
  '所属嘎查村/社区',
  '所属网格',
  '服务',
  '紧急程度',
  '下单方式',
  '需求内容',
  '状态',
  '办理层级',
  '派单给',
  '派单时间',
  '接单人',
  '小分队',
  '接单时间',
  '签到时间',
  '完成时间',
  '确认时间',
  '服务时长（小时）',
  '评分',
  '评价',
  '取消时间',
  '取消原因',
  '升级次数',
];

describe('GET /api/v1/exports/*', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let w: World;
  const clock = { now: T0 };
  const orders: Record<string, string> = {};

  type Who = keyof World['users'];
  const call = (who: Who | null, method: 'GET' | 'POST', url: string, payload?: object) =>
    app.inject({ method, url: `/api/v1${url}`, payload, headers: who === null ? {} : bearer(w.users[who].token) });
  const order = async (m: number, name: string, who: Who, categoryCode = 'medicine_delivery') => {
    clock.now = at(m);
    const res = await call(who, 'POST', '/orders', { categoryCode, description: `需求 ${name}`, urgency: 'normal' });
    expect(res.statusCode).toBe(201);
    orders[name] = res.json<OrderDto>().id;
  };
  const act = async (m: number, who: Who, action: string, name: string, payload: object = {}) => {
    clock.now = at(m);
    const res = await call(who, 'POST', `/orders/${orders[name]}/${action}`, payload);
    if (res.statusCode !== 200) throw new Error(`${action} ${name} by ${who}: ${res.statusCode} ${res.body}`);
  };
  const door = { location: { lat: 40.751, lng: 107.401 } };

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await buildApp({ config: testConfig({ LOG_LEVEL: 'error' }), db: database.db, clock: () => new Date(clock.now.getTime()) });
    w = await buildWorld(app, database.db);
    await database.db.query(`UPDATE app_user SET on_duty = true, skills = '{medicine_delivery,errands}' WHERE id = ANY($1)`, [
      [w.users.volunteerA1.id, w.users.gridWorkerA1.id, w.users.gridWorkerX1.id],
    ]);
    // a name and an address a spreadsheet could mistake for syntax, or for a formula
    await database.db.query(`UPDATE app_user SET name = $2, address = $3 WHERE id = $1`, [w.users.residentA2.id, '=HYPERLINK("x")', '甲社区9号楼,1单元 "东"']);
    await order(0, 'o1', 'residentA1');
    await act(10, 'volunteerA1', 'accept', 'o1');
    await act(20, 'volunteerA1', 'check-in', 'o1', door);
    await act(65, 'volunteerA1', 'complete', 'o1', { note: '药已送到' });
    await act(70, 'residentA1', 'confirm', 'o1', { resolved: true, rating: 5, comment: '很及时，谢谢' });
    await order(30, 'x1', 'residentX1');
    await act(50, 'gridWorkerX1', 'accept', 'x1');
    await order(120, 'o2', 'residentA2', 'errands');
    await act(125, 'dispatcherT', 'dispatch', 'o2', { assigneeId: w.users.volunteerA1.id });
    await order(180, 'o3', 'residentA1', 'errands');
    await act(190, 'residentA1', 'cancel', 'o3', { reason: '家人已经买到了' });
    // one order outside the period (October)
    await order(-3 * 24 * 60, 'old', 'residentA1', 'errands');
    clock.now = at(600);
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  /** The orders the database holds for a place, oldest first, with what the ledger shows of them. */
  const dbOrders = (path: string) =>
    database.db.query<
      Array<{ id: string; created_at: Date; first_accepted_at: Date | null; name: string; phone: string; category: string; rating: number | null }>
    >(
      `SELECT o.id, o.created_at, o.first_accepted_at, u.name, u.phone, c.name AS category, o.rating
         FROM service_order o JOIN app_user u ON u.id = o.resident_id JOIN service_category c ON c.code = o.category_code
        WHERE o.region_path LIKE $1 || '%' AND o.created_at >= $2 AND o.created_at < $3 ORDER BY o.created_at, o.id`,
      [path, FROM, TO],
    );
  const pathOf = async (id: string) => (await database.db.query<[{ path: string }]>(`SELECT path FROM region WHERE id = $1`, [id]))[0].path;

  it('writes the service ledger as the database holds it: Chinese headers, Beijing times', async () => {
    const res = await call('dispatcherT', 'GET', `/exports/service-ledger.xlsx?${PERIOD}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(decodeURIComponent(String(res.headers['content-disposition']))).toContain('服务台账-一号镇-20261101-20261130.xlsx');
    const { header, rows, workbook } = await readSheet(res.rawPayload);
    expect(header).toEqual(LEDGER_HEADER);
    const expected = await dbOrders(await pathOf(w.regions.T));
    expect(expected.map((o) => o.id)).toEqual([orders.o1, orders.o2, orders.o3]);
    expect(rows.map((r) => r[0])).toEqual(expected.map((o) => o.id));
    const col = (name: string) => LEDGER_HEADER.indexOf(name);
    rows.forEach((r, i) => {
      const o = expected[i]!;
      expect(shown(r[col('下单时间')])).toBe(beijing(o.created_at));
      expect(r[col('居民')]).toBe(o.name);
      expect(r[col('手机')]).toBe(o.phone);
      expect(r[col('服务')]).toBe(o.category);
    });
    const o1 = rows[0]!;
    expect(shown(o1[col('下单时间')])).toBe('2026-11-03 09:30');
    expect(shown(o1[col('接单时间')])).toBe('2026-11-03 09:40');
    expect(shown(o1[col('签到时间')])).toBe('2026-11-03 09:50');
    expect(shown(o1[col('完成时间')])).toBe('2026-11-03 10:35');
    expect(shown(o1[col('确认时间')])).toBe('2026-11-03 10:40');
    expect(o1[col('状态')]).toBe('已完成');
    expect(o1[col('接单人')]).toBe('甲一志愿者');
    expect(o1[col('服务时长（小时）')]).toBe(0.8);
    expect(o1[col('评分')]).toBe(5);
    expect(o1[col('评价')]).toBe('很及时，谢谢');
    expect(o1[col('所属网格')]).toBe('甲一网格');
    expect(o1[col('所属嘎查村/社区')]).toBe('甲社区');
    expect(rows[1]![col('派单给')]).toBe('甲一志愿者');
    expect(rows[1]![col('地址')]).toBe('甲社区9号楼,1单元 "东"');
    expect(rows[2]![col('取消原因')]).toBe('家人已经买到了');
    const about = workbook.getWorksheet('说明')!;
    expect(about.getRow(2).values).toEqual([undefined, '地区', '一号镇']);
    expect(about.getRow(6).values).toEqual([undefined, '行数', '3']);
  });

  it('writes the same as CSV, with a BOM, quoted where needed and no formula Excel would run', async () => {
    const res = await call('dispatcherT', 'GET', `/exports/service-ledger.csv?${PERIOD}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const [header, ...rows] = parseCsv(res.body.replace(/^\uFEFF/, ''));
    expect(header).toEqual(LEDGER_HEADER);
    expect(rows.map((r) => r[0])).toEqual([orders.o1, orders.o2, orders.o3]);
    expect(rows[0]![1]).toBe('2026-11-03 09:30');
    expect(rows[1]![2]).toBe(`'=HYPERLINK("x")`);
    expect(rows[1]![5]).toBe('甲社区9号楼,1单元 "东"');
    expect(res.body).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it('escapes CSV fields: commas, quotes, line breaks, and formula starts', () => {
    expect(csvField('张三,李四')).toBe('"张三,李四"');
    expect(csvField('他说"好"')).toBe('"他说""好"""');
    expect(csvField('一行\n两行')).toBe('"一行\n两行"');
    expect(csvField("=cmd|' /C calc'!A0")).toBe("'=cmd|' /C calc'!A0");
    expect(csvField('+86 139')).toBe("'+86 139");
    expect(csvField('-1+1')).toBe("'-1+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('=1,2')).toBe(`"'=1,2"`);
    expect(csvField(-3, 'number')).toBe('-3');
    expect(csvField(null)).toBe('');
    expect(csvField(new Date('2026-11-03T16:05:00Z'))).toBe('2026-11-04 00:05');
  });

  it('exports only the jurisdiction: a grid worker their grid, another town nothing of this one', async () => {
    const grid = await readSheet((await call('gridWorkerA1', 'GET', `/exports/service-ledger.xlsx?${PERIOD}`)).rawPayload);
    expect(grid.rows.map((r) => r[0])).toEqual([orders.o1, orders.o3]);
    const t2 = await readSheet((await call('dispatcherT2', 'GET', `/exports/service-ledger.xlsx?${PERIOD}`)).rawPayload);
    expect(t2.rows.map((r) => r[0])).toEqual([orders.x1]);
    const county = await readSheet((await call('countyAdmin', 'GET', `/exports/service-ledger.xlsx?${PERIOD}`)).rawPayload);
    expect(county.rows.map((r) => r[0])).toEqual([orders.o1, orders.x1, orders.o2, orders.o3]);

    const outside = await call('dispatcherT2', 'GET', `/exports/service-ledger.xlsx?regionId=${w.regions.A}&${PERIOD}`);
    expect(outside.statusCode).toBe(404);
    expect(outside.headers['content-type']).toMatch(/application\/json/);
    expect(outside.json<ErrorBody>().message).toBe('地区不存在。');
    expect((await call('gridWorkerA1', 'GET', `/exports/households.csv?regionId=${w.regions.A2}`)).statusCode).toBe(404);
    const resident = await call('residentA1', 'GET', `/exports/service-ledger.xlsx?${PERIOD}`);
    expect(resident.statusCode).toBe(403);
    expect(resident.json<ErrorBody>().message).toBe('只有工作人员可以导出台账。');
    expect((await call('volunteerA1', 'GET', `/exports/volunteer-hours.csv?${PERIOD}`)).statusCode).toBe(403);
    expect((await call(null, 'GET', `/exports/stats.xlsx?${PERIOD}`)).statusCode).toBe(401);
  });

  it('writes every export to the access log: what, how many rows, and whose data went out in full', async () => {
    await database.db.query(`DELETE FROM access_log`);
    const res = await call('dispatcherT', 'GET', `/exports/service-ledger.xlsx?regionId=${w.regions.A}&${PERIOD}`);
    expect(res.statusCode).toBe(200);
    // the log is written once the last row has gone out: after the reply, on the export's own connection
    let rows: Array<{ subject_id: string | null; fields: string[]; reason: string; export: Record<string, unknown> }> = [];
    for (let i = 0; i < 50 && rows.length < 3; i++) {
      rows = await database.db.query(`SELECT subject_id, fields, reason, export FROM access_log WHERE viewer_id = $1 ORDER BY subject_id IS NOT NULL, id`, [
        w.users.dispatcherT.id,
      ]);
      if (rows.length < 3) await new Promise((r) => setTimeout(r, 20));
    }
    const [summary, ...subjects] = rows;
    expect(summary).toMatchObject({
      subject_id: null,
      reason: 'export',
      export: { kind: 'service-ledger', format: 'xlsx', regionId: w.regions.A, from: FROM, to: TO, rows: 3, complete: true },
    });
    expect(subjects.map((s) => s.subject_id).sort()).toEqual([w.users.residentA1.id, w.users.residentA2.id].sort());
    expect(subjects.find((s) => s.subject_id === w.users.residentA1.id)!.fields).toEqual(['phone', 'address']);
    for (const s of subjects) expect(s.export).toMatchObject({ kind: 'service-ledger' });
  });

  it('shows the export in 查看记录 (GET /access-log): what, which place and period, how many rows', async () => {
    // the rows of the test before: the export's own row first (newest), then the people it showed in full
    const res = await call('admin', 'GET', `/access-log?actorId=${w.users.dispatcherT.id}`);
    expect(res.statusCode).toBe(200);
    const items = res.json<Page<AccessLogEntryDto>>().items;
    const own = items.filter((i) => i.subjectId === null);
    expect(own).toHaveLength(1);
    expect(own[0]).toMatchObject({
      viewerId: w.users.dispatcherT.id,
      subjectName: null,
      fields: [],
      reason: 'export',
      export: { kind: 'service-ledger', format: 'xlsx', regionId: w.regions.A, regionName: '甲社区', from: FROM, to: TO, rows: 3, complete: true },
    });
    const people = items.filter((i) => i.subjectId !== null);
    expect(people.map((i) => i.subjectId).sort()).toEqual([w.users.residentA1.id, w.users.residentA2.id].sort());
    expect(people.find((i) => i.subjectId === w.users.residentA1.id)?.subjectName).toBe('甲一居民');
    for (const i of people) expect(i).toMatchObject({ reason: 'export', export: null });
    // filtered by a resident, only her row: the export's own row is about no one in particular
    const hers = (await call('admin', 'GET', `/access-log?subjectId=${w.users.residentA1.id}`)).json<Page<AccessLogEntryDto>>().items;
    expect(hers.every((i) => i.subjectId === w.users.residentA1.id)).toBe(true);
  });

  it('writes the volunteer hours: everyone who serves under the place, with their completed service', async () => {
    const res = await call('dispatcherT', 'GET', `/exports/volunteer-hours.xlsx?regionId=${w.regions.A}&${PERIOD}`);
    const { header, rows } = await readSheet(res.rawPayload);
    expect(header.slice(0, 3)).toEqual(['姓名', '手机', '身份']);
    const byName = Object.fromEntries(rows.map((r) => [r[0] as string, r]));
    expect(Object.keys(byName).sort()).toEqual(['甲一志愿者', '甲一网格员'].sort());
    const v = byName['甲一志愿者']!;
    expect(v[header.indexOf('手机')]).toBe(w.users.volunteerA1.phone);
    expect(v[header.indexOf('完成服务（次）')]).toBe(1);
    expect(v[header.indexOf('服务时长（小时）')]).toBe(0.8);
    expect(v[header.indexOf('平均评分')]).toBe(5);
    expect(byName['甲一网格员']![header.indexOf('身份')]).toBe('志愿者、网格员');
    expect(byName['甲一网格员']![header.indexOf('服务时长（小时）')]).toBe(0);
  });

  it('writes the ledger households: tags, paired cadre, family contacts', async () => {
    await database.db.query(`UPDATE app_user SET tags = '{living_alone,elderly}', paired_cadre_id = $2, landline = '0471-6612345' WHERE id = $1`, [
      w.users.residentA1.id,
      w.users.gridWorkerA1.id,
    ]);
    await database.db.query(`INSERT INTO family_contact (resident_id, name, relation, phone) VALUES ($1, '李小明', 'child', '13912345678')`, [
      w.users.residentA1.id,
    ]);
    const res = await call('dispatcherT', 'GET', `/exports/households.xlsx`);
    expect(res.statusCode).toBe(200);
    const { header, rows } = await readSheet(res.rawPayload);
    expect(rows).toHaveLength(1);
    const row = Object.fromEntries(header.map((h, i) => [h, rows[0]![i]]));
    expect(row).toMatchObject({
      姓名: '甲一居民',
      手机: w.users.residentA1.phone,
      固定电话: '0471-6612345',
      地址: '甲社区3号楼2单元401',
      所属网格: '甲一网格',
      台账标签: '独居老人、高龄老人',
      包联干部: '甲一网格员',
      包联干部电话: w.users.gridWorkerA1.phone,
      家属联系人: '李小明（子女）13912345678',
    });
    // a period means nothing for a list of people: refused as an unknown field
    const withPeriod = await call('dispatcherT', 'GET', `/exports/households.xlsx?${PERIOD}`);
    expect(withPeriod.statusCode).toBe(400);
  });

  it('writes the statistics by place as on screen', async () => {
    const json = (await call('countyAdmin', 'GET', `/stats/by-place?${PERIOD}`)).json<StatsByPlaceDto>();
    const res = await call('countyAdmin', 'GET', `/exports/stats.xlsx?${PERIOD}`);
    expect(res.statusCode).toBe(200);
    const { header, rows } = await readSheet(res.rawPayload);
    expect(header).toEqual([
      '地区',
      '层级',
      '需求数（件）',
      '服务居民（人）',
      '服务时长（小时）',
      '接单等待中位数（分钟）',
      '按时接单率（%）',
      '平均评分（分）',
      '升级次数（次）',
      '超时无人接单（件）',
    ]);
    expect(rows.map((r) => r[0])).toEqual(['测试旗（合计）', ...json.rows.map((r) => r.name)]);
    expect(rows.map((r) => r[2])).toEqual([json.totals.orders, ...json.rows.map((r) => r.orders)]);
    const csv = parseCsv((await call('countyAdmin', 'GET', `/exports/stats.csv?${PERIOD}`)).body.replace(/^\uFEFF/, ''));
    expect(csv[1]!.slice(0, 3)).toEqual(['测试旗（合计）', '旗县区', String(json.totals.orders)]);
  });

  it('refuses a missing or bad period and a bad place, naming the field in Chinese', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['/exports/service-ledger.xlsx', 'from', /必填/],
      [`/exports/service-ledger.xlsx?from=${encodeURIComponent(FROM)}`, 'to', /必填/],
      [`/exports/service-ledger.csv?from=${encodeURIComponent(TO)}&to=${encodeURIComponent(FROM)}`, 'to', /结束时间须晚于开始时间/],
      [`/exports/volunteer-hours.xlsx?from=2025-01-01T00:00:00%2B08:00&to=2026-01-03T00:00:00%2B08:00`, 'to', /最长 366 天/],
      [`/exports/stats.xlsx?from=last-month&to=${encodeURIComponent(TO)}`, 'from', /必须是带时区的时间/],
      [`/exports/service-ledger.xlsx?regionId=abc&${PERIOD}`, 'regionId', /地区编号格式不正确/],
    ];
    for (const [url, field, message] of cases) {
      const res = await call('dispatcherT', 'GET', url);
      expect({ url, status: res.statusCode }).toEqual({ url, status: 400 });
      const body = res.json<ErrorBody>();
      expect(body.details?.find((d) => d.field === field)?.message).toMatch(message);
      expect(body.message).not.toMatch(/body|undefined|null/);
    }
    // a full leap year is fine
    expect((await call('dispatcherT', 'GET', `/exports/service-ledger.csv?from=2024-01-01T00:00:00%2B08:00&to=2025-01-01T00:00:00%2B08:00`)).statusCode).toBe(
      200,
    );
    expect((await call('dispatcherT', 'GET', `/exports/service-ledger.xlsx?regionId=00000000-0000-4000-8000-000000000000&${PERIOD}`)).statusCode).toBe(404);
    expect((await call('dispatcherT', 'GET', `/exports/orders.xlsx?${PERIOD}`)).statusCode).toBe(404);
  });
});
