import { randomUUID } from 'node:crypto';
import type {
  ErrorBody,
  OrderDto,
  Page,
  PointsEntryDto,
  PointsRuleDto,
  PointsRulesDto,
  PointsSummaryDto,
  RankingDto,
  RedemptionDto,
  ShopDto,
  ShopItemDto,
} from '@bangbang/shared';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../server/src/app';
import { creditConfirmedOrder, creditPoints, reverseCredits } from '../../server/src/modules/points/ledger';
import { testConfig } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Points (issue 22 item 3) over HTTP against a real PostgreSQL: credited once per confirmation (each person who
 * served, by the service's rule), reversed exactly on a reopen after confirmation (and a new round credits again),
 * the append-only ledger, the rules (admins, validated, audited), the community's shop kept by its staff only,
 * race-safe redemptions (balance and stock never below zero under concurrency), the handover, history and 爱心榜.
 */

/** Monday 2026-11-23, 10:00 in UTC+8 (rosters are read in UTC+8). */
const START = new Date('2026-11-23T02:00:00.000Z');
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const NEAR = { lat: 40.7511, lng: 107.4011 };

let database: TestDatabase;
let app: FastifyInstance;
let w: World;
let now = new Date(START);

async function call<T>(
  token: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
): Promise<{ res: LightMyRequestResponse; body: T }> {
  const res = await app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload ? { payload } : {}) });
  return { res, body: (res.body === '' ? undefined : res.json()) as T };
}

async function ok<T>(who: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object): Promise<T> {
  const { res, body } = await call<T>(token(who), method, url, payload);
  if (res.statusCode >= 300) throw new Error(`${method} ${url} → ${res.statusCode} ${res.body}`);
  return body;
}

async function fails(
  who: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  payload: object | undefined,
  status: number,
): Promise<ErrorBody> {
  const { res, body } = await call<ErrorBody>(token(who), method, url, payload);
  expect({ url, status: res.statusCode, body }).toMatchObject({ url, status });
  return body;
}

const extra: Record<string, { id: string; token: string }> = {};
function token(who: string): string {
  return (w.users as Record<string, { token: string }>)[who]?.token ?? extra[who]!.token;
}
function id(who: string): string {
  return (w.users as Record<string, { id: string }>)[who]?.id ?? extra[who]!.id;
}

async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
  return database.db.query<T[]>(query, params);
}

/** A volunteer of grid `region` on duty with the medicine skill. */
async function volunteer(key: string, name: string, region: keyof World['regions']): Promise<void> {
  const phone = `137${String(10000000 + Object.keys(extra).length + 1).slice(-8)}`;
  const [row] = await sql<{ id: string }>(
    `INSERT INTO app_user (name, phone, roles, region_id, skills, on_duty, location_lat, location_lng)
     VALUES ($1, $2, '{volunteer}', $3, '{medicine_delivery}', true, 40.751, 107.401) RETURNING id`,
    [name, phone, w.regions[region]],
  );
  extra[key] = { id: row!.id, token: app.jwt.sign({ sub: row!.id }) };
}

async function summary(who: string): Promise<PointsSummaryDto> {
  return ok<PointsSummaryDto>(who, 'GET', '/me/points');
}

/** A resident's order served by `servers` (accept, check in, `minutes` of service, complete); answers its id. */
async function servedOrder(
  servers: string[],
  minutes: number,
  body: object = { categoryCode: 'medicine_delivery', description: '帮忙取降压药' },
): Promise<string> {
  const order = await ok<OrderDto>('residentA1', 'POST', '/orders', { urgency: 'normal', ...body });
  for (const s of servers) await ok<OrderDto>(s, 'POST', `/orders/${order.id}/accept`, {});
  for (const s of servers) await ok<OrderDto>(s, 'POST', `/orders/${order.id}/check-in`, { location: NEAR });
  now = new Date(now.getTime() + minutes * MINUTE);
  for (const s of servers) await ok<OrderDto>(s, 'POST', `/orders/${order.id}/complete`, { note: '已完成' });
  return order.id;
}

async function history(who: string): Promise<PointsEntryDto[]> {
  return (await ok<Page<PointsEntryDto>>(who, 'GET', '/me/points/history?limit=100')).items;
}

beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildApp({ config: testConfig({ LOG_LEVEL: 'error' }), db: database.db, clock: () => now });
  w = await buildWorld(app, database.db);
  await sql(`UPDATE app_user SET on_duty = true, skills = '{medicine_delivery}' WHERE id = ANY($1)`, [[w.users.volunteerA1.id, w.users.gridWorkerA1.id]]);
  await volunteer('volunteerA1b', '甲一志愿者乙', 'A1');
  await volunteer('volunteerA2', '甲二志愿者', 'A2');
  await volunteer('volunteerB1', '乙一志愿者', 'B1');
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

describe('credit on confirmation', () => {
  it('credits the person who served once, by the default rule (base + per hour + five-star bonus)', async () => {
    const before = await summary('volunteerA1');
    const orderId = await servedOrder(['volunteerA1'], 90);
    // the default rule (migration): 10 + 10 an hour (90 min → 15) + 5 for five stars
    await ok<OrderDto>('residentA1', 'POST', `/orders/${orderId}/confirm`, { resolved: true, rating: 5, comment: '谢谢' });
    const after = await summary('volunteerA1');
    expect(after.balance - before.balance).toBe(30);
    expect(after.earnedTotal - before.earnedTotal).toBe(30);
    expect(after.minutesTotal - before.minutesTotal).toBe(90);
    expect((await history('volunteerA1'))[0]).toMatchObject({
      kind: 'order',
      amount: 30,
      balanceAfter: after.balance,
      minutes: 90,
      sourceId: orderId,
      note: '送医送药',
    });

    // a repeated confirmation is refused (the order is closed) and credits nothing
    await fails('residentA1', 'POST', `/orders/${orderId}/confirm`, { resolved: true, rating: 5 }, 409);
    expect((await summary('volunteerA1')).balance).toBe(after.balance);

    // replaying the credit itself (a retried unit of work) changes nothing: one row per (kind, order, person, round)
    const replay = await database.db.transaction((m) =>
      creditConfirmedOrder(m, {
        orderId,
        round: 1,
        categoryCode: 'medicine_delivery',
        categoryName: '送医送药',
        regionId: w.regions.A1,
        rating: 5,
        at: now,
        served: [{ userId: id('volunteerA1'), minutes: 90 }],
      }),
    );
    expect(replay).toEqual([expect.objectContaining({ applied: false })]);
    expect((await summary('volunteerA1')).balance).toBe(after.balance);
    const [count] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM points_ledger WHERE source_id = $1`, [orderId]);
    expect(count!.n).toBe(1);
  });

  it('credits each of several people by their own service time, and no bonus below the good rating', async () => {
    const a = await summary('volunteerA1');
    const b = await summary('volunteerA1b');
    const orderId = await servedOrder(['volunteerA1', 'volunteerA1b'], 60, {
      categoryCode: 'harvest_help',
      description: '葵花熟了，需要两个人帮忙',
      headcount: 2,
    });
    await ok<OrderDto>('residentA1', 'POST', `/orders/${orderId}/confirm`, { resolved: true, rating: 4 });
    // 10 + 10 an hour, no bonus for four stars
    expect((await summary('volunteerA1')).balance - a.balance).toBe(20);
    expect((await summary('volunteerA1b')).balance - b.balance).toBe(20);
  });

  it("uses the service's own rule over the default", async () => {
    await ok<PointsRuleDto>('admin', 'PUT', '/points/rules/errands', { base: 3, perHour: 0, goodRatingBonus: 2, goodRatingMin: 4 });
    const before = await summary('volunteerA1');
    const orderId = await servedOrder(['volunteerA1'], 30, { categoryCode: 'errands', description: '帮忙买菜' });
    await ok<OrderDto>('residentA1', 'POST', `/orders/${orderId}/confirm`, { resolved: true, rating: 4 });
    expect((await summary('volunteerA1')).balance - before.balance).toBe(5);
    await ok('admin', 'DELETE', '/points/rules/errands');
  });
});

describe('reversal on reopen after confirmation', () => {
  it('reverses exactly what was credited, once, and credits again on the next confirmation (a new round)', async () => {
    const start = await summary('volunteerA1');
    const orderId = await servedOrder(['volunteerA1'], 60);
    await ok<OrderDto>('residentA1', 'POST', `/orders/${orderId}/confirm`, { resolved: true, rating: 5 });
    expect((await summary('volunteerA1')).balance - start.balance).toBe(25);

    // two days later the resident says it was not solved: the same order reopens, and the 25 points go back
    now = new Date(now.getTime() + 2 * DAY);
    const closed = await ok<OrderDto>('residentA1', 'GET', `/orders/${orderId}`);
    expect(closed.actions).toContain('reopen');
    const reopened = await ok<OrderDto>('residentA1', 'POST', `/orders/${orderId}/confirm`, { resolved: false, comment: '药拿错了' });
    expect(reopened).toMatchObject({ status: 'pending', reopenCount: 1, rating: null });
    const afterReopen = await summary('volunteerA1');
    expect(afterReopen.balance).toBe(start.balance);
    expect(afterReopen.earnedTotal).toBe(start.earnedTotal);
    expect(afterReopen.minutesTotal).toBe(start.minutesTotal);
    expect((await history('volunteerA1'))[0]).toMatchObject({ kind: 'order_reversal', amount: -25, minutes: -60, sourceId: orderId, shortfall: 0 });

    // served again and confirmed: credited again, for round 2
    await ok<OrderDto>('volunteerA1', 'POST', `/orders/${orderId}/accept`, {});
    await ok<OrderDto>('volunteerA1', 'POST', `/orders/${orderId}/check-in`, { location: NEAR });
    now = new Date(now.getTime() + 30 * MINUTE);
    await ok<OrderDto>('volunteerA1', 'POST', `/orders/${orderId}/complete`, { note: '换了药' });
    await ok<OrderDto>('residentA1', 'POST', `/orders/${orderId}/confirm`, { resolved: true, rating: 5 });
    expect((await summary('volunteerA1')).balance - start.balance).toBe(20);
    const rows = await sql<{ kind: string; round: number; amount: number }>(`SELECT kind, round, amount FROM points_ledger WHERE source_id = $1 ORDER BY id`, [
      orderId,
    ]);
    expect(rows).toEqual([
      { kind: 'order', round: 1, amount: 25 },
      { kind: 'order_reversal', round: 1, amount: -25 },
      { kind: 'order', round: 2, amount: 20 },
    ]);
  });

  it('refuses a reopen after the window (7 days by default), and hides the button', async () => {
    const orderId = await servedOrder(['volunteerA1'], 20);
    await ok<OrderDto>('residentA1', 'POST', `/orders/${orderId}/confirm`, { resolved: true, rating: 5 });
    now = new Date(now.getTime() + 8 * DAY);
    expect((await ok<OrderDto>('residentA1', 'GET', `/orders/${orderId}`)).actions).not.toContain('reopen');
    const refused = await fails('residentA1', 'POST', `/orders/${orderId}/confirm`, { resolved: false, comment: '又坏了' }, 409);
    expect(refused.message).toBe('这个需求已确认超过 7 天，不能再反馈问题未解决；如还需要帮助，请重新下单。');
  });

  it('never takes a balance below zero: points already spent are recorded as a shortfall', async () => {
    await volunteer('spender', '甲一志愿者丁', 'A1');
    const orderId = await servedOrder(['spender'], 60);
    await ok<OrderDto>('residentA1', 'POST', `/orders/${orderId}/confirm`, { resolved: true, rating: 5 });
    expect((await summary('spender')).balance).toBe(25);
    const item = await ok<ShopItemDto>('dispatcherT', 'POST', '/points/shop-items', { communityId: w.regions.A, name: '香皂', price: 20, stock: 5 });
    await ok<RedemptionDto>('spender', 'POST', '/me/points/redemptions', { itemId: item.id });
    expect((await summary('spender')).balance).toBe(5);
    await ok<OrderDto>('residentA1', 'POST', `/orders/${orderId}/confirm`, { resolved: false, comment: '没送到' });
    const after = await summary('spender');
    expect(after.balance).toBe(0);
    expect(after.earnedTotal).toBe(0);
    expect((await history('spender'))[0]).toMatchObject({ kind: 'order_reversal', amount: -5, shortfall: 20, balanceAfter: 0 });
  });
});

describe('the ledger', () => {
  it('is append-only: the database refuses to change or delete a row', async () => {
    await expect(sql(`UPDATE points_ledger SET amount = amount + 1`)).rejects.toThrow(/append-only/);
    await expect(sql(`DELETE FROM points_ledger`)).rejects.toThrow(/append-only/);
    await expect(sql(`TRUNCATE points_ledger`)).rejects.toThrow(/append-only/);
  });

  it('pages the history newest first, every row once', async () => {
    const all = await history('volunteerA1');
    expect(all.length).toBeGreaterThanOrEqual(5);
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<PointsEntryDto> = await ok('volunteerA1', 'GET', `/me/points/history?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      walked.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(walked).toEqual(all.map((e) => e.id));
    await fails('volunteerA1', 'GET', '/me/points/history?cursor=abc', undefined, 400);
  });
});

describe('the credit function other modules call (projects: 双报到)', () => {
  it('credits a project claim once and reverses it exactly once', async () => {
    await volunteer('member', '在职党员甲', 'A1');
    const claim = randomUUID();
    const credit = {
      userId: id('member'),
      amount: 40,
      kind: 'project' as const,
      sourceId: claim,
      regionId: w.regions.A,
      note: '路灯维修',
      at: now,
      minutes: 120,
    };
    const first = await database.db.transaction((m) => creditPoints(m, credit));
    const again = await database.db.transaction((m) => creditPoints(m, credit));
    expect(first).toMatchObject({ applied: true, amount: 40, balanceAfter: 40 });
    expect(again).toMatchObject({ applied: false });
    expect(await summary('member')).toMatchObject({ balance: 40, earnedTotal: 40, minutesTotal: 120 });
    const undo = () => database.db.transaction((m) => reverseCredits(m, { kind: 'project', sourceId: claim, at: now }));
    expect(await undo()).toEqual([expect.objectContaining({ applied: true, amount: -40 })]);
    expect(await undo()).toEqual([expect.objectContaining({ applied: false })]);
    expect(await summary('member')).toMatchObject({ balance: 0, earnedTotal: 0, minutesTotal: 0 });
    expect((await history('member')).map((e) => [e.kind, e.amount, e.note])).toEqual([
      ['project_reversal', -40, '路灯维修'],
      ['project', 40, '路灯维修'],
    ]);
  });
});

describe('rules', () => {
  it('are set by admins only, validated field by field, and audited', async () => {
    const rules = await ok<PointsRulesDto>('volunteerA1', 'GET', '/points/rules');
    expect(rules.default).toMatchObject({ categoryCode: null, base: 10, perHour: 10, goodRatingBonus: 5, goodRatingMin: 5 });
    await fails('dispatcherT', 'PUT', '/points/rules/default', { base: 5, perHour: 5, goodRatingBonus: 0, goodRatingMin: 5 }, 403);
    const bad = await fails('admin', 'PUT', '/points/rules/default', { base: -1, perHour: 5, goodRatingBonus: 0, goodRatingMin: 6 }, 400);
    expect(bad.details).toEqual(
      expect.arrayContaining([
        { field: 'base', message: '不能小于 0' },
        { field: 'goodRatingMin', message: '好评标准须为 1–5 星' },
      ]),
    );
    await fails('admin', 'PUT', '/points/rules/no_such_service', { base: 1, perHour: 1, goodRatingBonus: 1, goodRatingMin: 5 }, 404);
    const set = await ok<PointsRuleDto>('admin', 'PUT', '/points/rules/medicine_delivery', { base: 12, perHour: 8, goodRatingBonus: 4, goodRatingMin: 5 });
    expect(set).toMatchObject({ categoryCode: 'medicine_delivery', categoryName: '送医送药', base: 12 });
    expect((await ok<PointsRulesDto>('volunteerA1', 'GET', '/points/rules')).overrides).toEqual([
      expect.objectContaining({ categoryCode: 'medicine_delivery' }),
    ]);
    const [audit] = await sql<{ action: string; after: Record<string, unknown> }>(
      `SELECT action, after FROM audit_log WHERE subject_type = 'points_rule' AND subject_id = 'medicine_delivery'`,
    );
    expect(audit).toMatchObject({ action: 'points.rule_set', after: { base: 12 } });
    await ok('admin', 'DELETE', '/points/rules/medicine_delivery');
    await fails('admin', 'DELETE', '/points/rules/medicine_delivery', undefined, 404);
  });
});

describe('the shop', () => {
  it('is kept by staff of that community only', async () => {
    const body = { communityId: w.regions.A, name: '洗衣液', price: 50, stock: 3 };
    await fails('volunteerA1', 'POST', '/points/shop-items', body, 403);
    // a grid worker's jurisdiction is their grid, not the community's shop
    await fails('gridWorkerA1', 'POST', '/points/shop-items', body, 404);
    await fails('dispatcherT2', 'POST', '/points/shop-items', body, 404);
    await fails('dispatcherT', 'POST', '/points/shop-items', { ...body, communityId: w.regions.A1 }, 404);
    const item = await ok<ShopItemDto>('dispatcherT', 'POST', '/points/shop-items', body);
    expect(item).toMatchObject({ name: '洗衣液', price: 50, stock: 3, active: true, communityName: '甲社区' });
    const dup = await fails('countyAdmin', 'POST', '/points/shop-items', body, 400);
    expect(dup.details).toEqual([{ field: 'name', message: '甲社区的积分超市已有「洗衣液」' }]);
    const invalid = await fails('dispatcherT', 'POST', '/points/shop-items', { ...body, name: '', price: 0, stock: -1 }, 400);
    expect(invalid.details?.map((d) => d.field).sort()).toEqual(['name', 'price', 'stock']);

    await fails('dispatcherT2', 'PATCH', `/points/shop-items/${item.id}`, { stockChange: 5 }, 404);
    expect(await ok<ShopItemDto>('dispatcherT', 'PATCH', `/points/shop-items/${item.id}`, { stockChange: 5, price: 45 })).toMatchObject({
      stock: 8,
      price: 45,
    });
    const tooMany = await fails('dispatcherT', 'PATCH', `/points/shop-items/${item.id}`, { stockChange: -9 }, 400);
    expect(tooMany.details).toEqual([{ field: 'stockChange', message: '库存只有 8 件，不能减少 9 件' }]);

    // the community's people see it; another community's do not, and cannot redeem it
    expect((await ok<ShopDto>('volunteerA1', 'GET', '/points/shop')).items.map((i) => i.name)).toContain('洗衣液');
    expect((await ok<ShopDto>('volunteerB1', 'GET', '/points/shop')).items.map((i) => i.name)).not.toContain('洗衣液');
    const elsewhere = await fails('volunteerB1', 'POST', '/me/points/redemptions', { itemId: item.id }, 400);
    expect(elsewhere.details).toEqual([{ field: 'itemId', message: '该商品不存在，或不在您所在社区的积分超市' }]);

    // off the shelf: gone from the shop, staff still see it with all=true
    await ok<ShopItemDto>('dispatcherT', 'PATCH', `/points/shop-items/${item.id}`, { active: false });
    expect((await ok<ShopDto>('volunteerA1', 'GET', '/points/shop')).items.map((i) => i.id)).not.toContain(item.id);
    expect((await ok<ShopDto>('dispatcherT', 'GET', `/points/shop?communityId=${w.regions.A}&all=true`)).items.map((i) => i.id)).toContain(item.id);
    const [audit] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE subject_type = 'shop_item' AND subject_id = $1`, [item.id]);
    expect(audit!.n).toBe(3);
  });

  it('50 concurrent redemptions against a balance for 10 leave exactly 10 and a zero balance', async () => {
    await volunteer('saver', '甲一攒分志愿者', 'A1');
    await database.db.transaction((m) =>
      creditPoints(m, { userId: id('saver'), amount: 100, kind: 'project', sourceId: randomUUID(), regionId: w.regions.A, note: '清理小区楼道', at: now }),
    );
    const item = await ok<ShopItemDto>('dispatcherT', 'POST', '/points/shop-items', { communityId: w.regions.A, name: '毛巾', price: 10, stock: 100 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        app.inject({ method: 'POST', url: '/api/v1/me/points/redemptions', headers: bearer(token('saver')), payload: { itemId: item.id } }),
      ),
    );
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(10);
    expect(codes.filter((c) => c === 409)).toHaveLength(40);
    expect(new Set(results.filter((r) => r.statusCode === 409).map((r) => r.json<ErrorBody>().message))).toEqual(
      new Set(['积分不足：需要 10 分，您有 0 分。']),
    );
    expect((await summary('saver')).balance).toBe(0);
    const [stock] = await sql<{ stock: number }>(`SELECT stock FROM points_shop_item WHERE id = $1`, [item.id]);
    expect(stock!.stock).toBe(90);
    const rows = await sql<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM points_ledger WHERE user_id = $1 GROUP BY kind ORDER BY kind`, [
      id('saver'),
    ]);
    expect(rows).toEqual([
      { kind: 'project', n: 1 },
      { kind: 'redeem', n: 10 },
    ]);
    const [waiting] = await sql<{ pending: number }>(`SELECT count(*)::int AS pending FROM points_redemption WHERE user_id = $1 AND status = 'pending'`, [
      id('saver'),
    ]);
    expect(waiting!.pending).toBe(10);
  });

  it('N concurrent redemptions for a stock of k leave exactly k', async () => {
    const people = Array.from({ length: 20 }, (_, i) => `rich${i}`);
    for (const p of people) {
      await volunteer(p, `甲二志愿者${p}`, 'A2');
      await database.db.transaction((m) =>
        creditPoints(m, { userId: id(p), amount: 500, kind: 'project', sourceId: randomUUID(), regionId: w.regions.A, note: '义务植树', at: now }),
      );
    }
    const item = await ok<ShopItemDto>('dispatcherT', 'POST', '/points/shop-items', { communityId: w.regions.A, name: '大米', price: 120, stock: 6 });
    const results = await Promise.all(
      people.map((p) => app.inject({ method: 'POST', url: '/api/v1/me/points/redemptions', headers: bearer(token(p)), payload: { itemId: item.id } })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(6);
    const refused = results.filter((r) => r.statusCode === 409);
    expect(refused).toHaveLength(14);
    expect(refused[0]!.json<ErrorBody>().message).toBe('「大米」库存不足，已经兑换完了。');
    const [stock] = await sql<{ stock: number }>(`SELECT stock FROM points_shop_item WHERE id = $1`, [item.id]);
    expect(stock!.stock).toBe(0);
    const balances = await sql<{ balance: number }>(`SELECT balance FROM points_balance WHERE user_id = ANY($1) ORDER BY balance`, [people.map(id)]);
    expect(balances.map((b) => b.balance)).toEqual([...Array(6).fill(380), ...Array(14).fill(500)]);
  });

  it('says how many points are missing', async () => {
    const item = await ok<ShopItemDto>('dispatcherT', 'POST', '/points/shop-items', { communityId: w.regions.A, name: '电饭煲', price: 1200, stock: 1 });
    const have = (await summary('volunteerA1')).balance;
    const refused = await fails('volunteerA1', 'POST', '/me/points/redemptions', { itemId: item.id }, 409);
    expect(refused.message).toBe(`积分不足：需要 1200 分，您有 ${have} 分。`);
    const [stock] = await sql<{ stock: number }>(`SELECT stock FROM points_shop_item WHERE id = $1`, [item.id]);
    expect(stock!.stock).toBe(1);
  });

  it('staff of the community hand over (核销) once; a cancel returns points and stock as new ledger rows', async () => {
    const item = await ok<ShopItemDto>('dispatcherT', 'POST', '/points/shop-items', { communityId: w.regions.A, name: '牙膏', price: 5, stock: 2 });
    const balance = (await summary('volunteerA1')).balance;
    const r1 = await ok<RedemptionDto>('volunteerA1', 'POST', '/me/points/redemptions', { itemId: item.id });
    const r2 = await ok<RedemptionDto>('volunteerA1', 'POST', '/me/points/redemptions', { itemId: item.id });
    expect(r1).toMatchObject({ status: 'pending', price: 5, item: { name: '牙膏' }, person: { name: '甲一志愿者' } });
    expect((await summary('volunteerA1')).balance).toBe(balance - 10);

    const pending = await ok<Page<RedemptionDto>>('dispatcherT', 'GET', `/points/redemptions?communityId=${w.regions.A}&status=pending`);
    expect(pending.items.map((r) => r.id)).toEqual(expect.arrayContaining([r1.id, r2.id]));
    expect((await ok<Page<RedemptionDto>>('dispatcherT2', 'GET', '/points/redemptions?status=pending')).items).toEqual([]);
    await fails('volunteerA1', 'POST', `/points/redemptions/${r1.id}/hand-over`, undefined, 403);
    await fails('residentA1', 'GET', '/points/redemptions', undefined, 403);
    // a grid worker's jurisdiction is their grid: a community's redemptions are not theirs to hand over
    await fails('gridWorkerA1', 'POST', `/points/redemptions/${r1.id}/hand-over`, undefined, 404);
    await fails('dispatcherT2', 'POST', `/points/redemptions/${r1.id}/hand-over`, undefined, 404);
    const handed = await ok<RedemptionDto>('dispatcherT', 'POST', `/points/redemptions/${r1.id}/hand-over`);
    expect(handed).toMatchObject({ status: 'handed_over', decidedBy: { name: '一号镇调度' } });
    await fails('dispatcherT', 'POST', `/points/redemptions/${r1.id}/hand-over`, undefined, 409);
    await fails('volunteerA1', 'POST', `/me/points/redemptions/${r1.id}/cancel`, undefined, 409);

    // the second is cancelled by the volunteer: 5 points and the toothpaste come back
    await fails('volunteerB1', 'POST', `/me/points/redemptions/${r2.id}/cancel`, undefined, 404);
    expect(await ok<RedemptionDto>('volunteerA1', 'POST', `/me/points/redemptions/${r2.id}/cancel`)).toMatchObject({ status: 'cancelled' });
    expect((await summary('volunteerA1')).balance).toBe(balance - 5);
    const [stock] = await sql<{ stock: number }>(`SELECT stock FROM points_shop_item WHERE id = $1`, [item.id]);
    expect(stock!.stock).toBe(1);
    expect((await history('volunteerA1')).slice(0, 3).map((e) => [e.kind, e.amount])).toEqual([
      ['redeem_cancel', 5],
      ['redeem', -5],
      ['redeem', -5],
    ]);
    const mine = await ok<Page<RedemptionDto>>('volunteerA1', 'GET', '/me/points/redemptions');
    expect(Object.fromEntries(mine.items.map((r) => [r.id, r.status]))).toMatchObject({ [r1.id]: 'handed_over', [r2.id]: 'cancelled' });

    // the community cancels a third: the person hears it, with the reason (they may be on their way to collect it);
    // their own cancel told them nothing
    const told = () =>
      sql<{ title: string; body: string }>(`SELECT title, body FROM notification WHERE recipient_id = $1 AND kind = 'points.redemption_cancelled'`, [
        w.users.volunteerA1.id,
      ]);
    expect(await told()).toEqual([]);
    const r3 = await ok<RedemptionDto>('volunteerA1', 'POST', '/me/points/redemptions', { itemId: item.id });
    expect(await ok<RedemptionDto>('dispatcherT', 'POST', `/points/redemptions/${r3.id}/cancel`, { reason: '这批牙膏过期了' })).toMatchObject({
      status: 'cancelled',
    });
    expect(await told()).toEqual([{ title: '积分兑换已取消', body: '您在甲社区积分超市兑换的「牙膏」已被社区取消，5 积分已退回。原因：这批牙膏过期了。' }]);
  });
});

describe('爱心榜', () => {
  it('ranks the grid and the community by points earned this month and in all, with hours', async () => {
    const grid = await ok<RankingDto>('volunteerA1', 'GET', '/points/ranking?scope=grid&period=month');
    expect(grid.region.name).toBe('甲一网格');
    expect(grid.items.length).toBeGreaterThan(0);
    const points = grid.items.map((e) => e.points);
    expect(points).toEqual([...points].sort((a, b) => b - a));
    expect(grid.items.every((e) => e.points > 0)).toBe(true);
    // 甲二 people are not in 甲一's grid board, but are in the community's
    expect(grid.items.map((e) => e.userId)).not.toContain(id('rich0'));
    const community = await ok<RankingDto>('volunteerA1', 'GET', '/points/ranking?scope=community&period=all');
    expect(community.region.name).toBe('甲社区');
    expect(community.items.map((e) => e.userId)).toContain(id('rich0'));
    const me = community.items.find((e) => e.userId === id('volunteerA1'));
    expect(community.me).toEqual(me);
    const s = await summary('volunteerA1');
    expect(me).toMatchObject({ name: '甲一志愿者', points: s.earnedTotal, minutes: s.minutesTotal });
    // another community's board is not one's own to read
    await fails('volunteerA1', 'GET', `/points/ranking?regionId=${w.regions.B}`, undefined, 404);
    expect((await ok<RankingDto>('dispatcherT', 'GET', `/points/ranking?regionId=${w.regions.B}`)).region.name).toBe('乙社区');
    // the month's board moves with the month
    now = new Date(now.getTime() + 40 * DAY);
    expect((await ok<RankingDto>('volunteerA1', 'GET', '/points/ranking?scope=community&period=month')).items).toEqual([]);
  });
});

describe('爱心榜 at scale', () => {
  it('ranks a community of 3,000 people from one row each (points_month, points_balance), not the ledger', async () => {
    // 3,000 people in 甲二网格 with points this month and in all (one points_month and one balance row each)
    await sql(
      `WITH people AS (
         INSERT INTO app_user (name, roles, region_id)
         SELECT '志愿者' || g, '{volunteer}', $1 FROM generate_series(1, 3000) g RETURNING id
       ), b AS (
         INSERT INTO points_balance (user_id, balance, earned_total, minutes_total)
         SELECT id, 0, (abs(hashtext(id::text)) % 500) + 1, 60 FROM people RETURNING user_id, earned_total
       )
       INSERT INTO points_month (user_id, month, earned, minutes)
       SELECT user_id, date_trunc('month', $2::timestamptz AT TIME ZONE 'Asia/Shanghai')::date, earned_total, 60 FROM b`,
      [w.regions.A2, now],
    );
    await sql('ANALYZE');
    const month = await ok<RankingDto>('volunteerA1', 'GET', '/points/ranking?scope=community&period=month');
    const all = await ok<RankingDto>('volunteerA1', 'GET', '/points/ranking?scope=community&period=all');
    for (const board of [month, all]) {
      expect(board.items).toHaveLength(50);
      // in order all the way down: points never rise, ranks never fall (ties share a rank), past the ninth line too
      board.items.slice(1).forEach((line, i) => {
        expect(line.points).toBeLessThanOrEqual(board.items[i]!.points);
        expect(line.rank).toBeGreaterThanOrEqual(board.items[i]!.rank);
      });
      expect(board.items[0]!.rank).toBe(1);
    }
  });
});
