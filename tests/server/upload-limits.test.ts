import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ErrorBody, OrderDto, UploadDto } from '@bangbang/shared';
import { parseConfig } from '../../server/src/config';
import { createUploadService } from '../../server/src/modules/uploads/service';
import { buildTestApp, type TestApp } from '../support/app';
import { bearer, buildWorld, type World } from '../support/world';

/**
 * Per-account upload limits and the sweep of photos no order uses (issue 18, item 7). Before, one resident stored
 * 3.7 GB in 20 s: every upload was accepted and kept for ever.
 */

/** A JPEG of `size` bytes (the store recognises images by their first bytes). */
function jpeg(size: number): Buffer {
  const b = Buffer.alloc(size, 0x20);
  b[0] = 0xff;
  b[1] = 0xd8;
  b[2] = 0xff;
  return b;
}

function multipart(data: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----bangbangLimits';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
  return {
    payload: Buffer.concat([Buffer.from(head), data, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

async function upload(t: TestApp, token: string, data: Buffer = jpeg(200)) {
  const body = multipart(data);
  return t.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: { ...bearer(token), ...body.headers }, payload: body.payload });
}

describe('the daily number of photos per person (UPLOAD_DAILY_COUNT)', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await buildTestApp({ UPLOAD_DAILY_COUNT: '3' });
    w = await buildWorld(t.app, t.database.db);
  });
  afterAll(async () => t.close());

  it('accepts that many, then answers 429 with a Chinese message; other people are not affected', async () => {
    const token = w.users.residentA1.token;
    for (let i = 0; i < 3; i += 1) expect((await upload(t, token)).statusCode).toBe(201);
    const refused = await upload(t, token);
    expect(refused.statusCode).toBe(429);
    expect(refused.json<ErrorBody>()).toEqual({ code: 'RATE_LIMITED', message: '今天上传的照片已达 3 张的上限，请明天再传。' });
    expect((await upload(t, w.users.residentA2.token)).statusCode).toBe(201);
  });

  it('holds under a burst of concurrent uploads (the 3.7 GB in 20 s)', async () => {
    const token = w.users.residentX1.token;
    const answers = await Promise.all(Array.from({ length: 12 }, () => upload(t, token)));
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes.filter((c) => c === 201)).toHaveLength(3);
    expect(codes.filter((c) => c === 429)).toHaveLength(9);
  });

  it('does not count refused uploads (not an image)', async () => {
    const token = w.users.volunteerA1.token;
    for (let i = 0; i < 4; i += 1) expect((await upload(t, token, Buffer.from('<html>not an image</html>'))).statusCode).toBe(415);
    for (let i = 0; i < 3; i += 1) expect((await upload(t, token)).statusCode).toBe(201);
  });
});

describe('the daily bytes per person (UPLOAD_DAILY_BYTES)', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await buildTestApp({ UPLOAD_MAX_BYTES: '2048', UPLOAD_DAILY_BYTES: '4096' });
    w = await buildWorld(t.app, t.database.db);
  });
  afterAll(async () => t.close());

  it('refuses the photo that could pass the allowance, with 429', async () => {
    const token = w.users.residentA1.token;
    expect((await upload(t, token, jpeg(2000))).statusCode).toBe(201);
    expect((await upload(t, token, jpeg(2000))).statusCode).toBe(201);
    const refused = await upload(t, token, jpeg(2000));
    expect(refused.statusCode).toBe(429);
    expect(refused.json<ErrorBody>().message).toBe('今天上传的照片已达 4 KB 的上限，请明天再传。');
  });

  it('refuses a daily allowance smaller than one photo in the configuration', () => {
    expect(() => parseConfig({ NODE_ENV: 'test', UPLOAD_MAX_BYTES: '4096', UPLOAD_DAILY_BYTES: '2048' })).toThrow(/UPLOAD_DAILY_BYTES/);
  });
});

describe('the sweep of photos no order refers to', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await buildTestApp();
    w = await buildWorld(t.app, t.database.db);
  });
  afterAll(async () => t.close());

  it('removes a photo unused 24 h after its upload and keeps one an order’s completion refers to', async () => {
    const volunteer = w.users.volunteerA1.token;
    await t.database.db.query(`UPDATE app_user SET roster = NULL, on_duty = true WHERE id = $1`, [w.users.volunteerA1.id]);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: bearer(w.users.residentA1.token),
      payload: { categoryCode: 'errands', description: '帮忙买药', urgency: 'normal', headcount: 1 },
    });
    const id = created.json<OrderDto>().id;
    const act = (action: string, payload?: object) =>
      t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/${action}`, headers: bearer(volunteer), ...(payload ? { payload } : {}) });
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${id}/dispatch`,
      headers: bearer(w.users.admin.token),
      payload: { assigneeId: w.users.volunteerA1.id },
    });
    expect((await act('accept')).statusCode).toBe(200);
    expect((await act('check-in', { location: { lat: 40.75, lng: 107.4 } })).statusCode).toBe(200);
    const used = (await upload(t, volunteer)).json<UploadDto>().url;
    const unused = (await upload(t, volunteer)).json<UploadDto>().url;
    expect((await act('complete', { note: '药已送到', photoUrls: [used] })).statusCode).toBe(200);

    const file = (url: string) => path.join(t.config.dataDir, 'uploads', url.split('/').pop()!);
    const get = async (url: string) => (await t.app.inject({ method: 'GET', url })).statusCode;

    // a day has not passed: nothing goes
    // the sweep as the periodic job runs it (uploads/cleanup.ts), on the same database and folder
    const service = await createUploadService({
      dir: path.join(t.config.dataDir, 'uploads'),
      db: t.database.db,
      maxBytes: t.config.uploadMaxBytes,
      limits: { count: t.config.uploadDailyCount, bytes: t.config.uploadDailyBytes },
      clock: () => new Date(),
    });
    expect(await service.sweep(new Date())).toBe(0);
    expect(existsSync(file(unused))).toBe(true);

    const later = new Date(Date.now() + 25 * 3600_000);
    expect(await service.sweep(later)).toBe(1);
    expect(existsSync(file(unused))).toBe(false);
    expect(await get(unused)).toBe(404);
    expect(existsSync(file(used))).toBe(true);
    expect(await get(used)).toBe(200);
    // and the kept one is never looked at again
    expect(await service.sweep(new Date(Date.now() + 48 * 3600_000))).toBe(0);
    expect(await get(used)).toBe(200);
  });
});
