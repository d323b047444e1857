import { readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { ErrorBody, OrderDto, UploadDto } from '@bangbang/shared';
import { buildTestApp, type TestApp } from '../support/app';
import { pngBytes } from '../e2e/support/png';
import { bearer, buildWorld, type World } from '../support/world';

/** A real 1×1 baseline JPEG. */
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);
const WEBP = Buffer.concat([
  Buffer.from('RIFF'),
  Buffer.from([0x1a, 0, 0, 0]),
  Buffer.from('WEBPVP8L'),
  Buffer.from([0x0d, 0, 0, 0, 0x2f, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0]),
]);

interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer | string;
}

/** A multipart/form-data body, byte for byte as a browser sends it. */
function multipart(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----bangbangBoundary7MA4YWxkTrZu0gW';
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`;
    const head = [`--${boundary}`, `Content-Disposition: ${disposition}`, ...(p.contentType ? [`Content-Type: ${p.contentType}`] : []), '', ''].join('\r\n');
    chunks.push(Buffer.from(head), Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const photo = (data: Buffer, filename = 'photo.jpg', contentType = 'image/jpeg'): Part => ({ name: 'file', filename, contentType, data });

describe('photo uploads (POST /api/v1/uploads, GET /api/v1/uploads/:name)', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await buildTestApp();
    w = await buildWorld(t.app, t.database.db);
  });
  afterAll(async () => {
    await t.close();
  });
  const volunteer = () => bearer(w.users.volunteerA1.token);
  const uploadsDir = () => path.join(t.config.dataDir, 'uploads');
  /** Files in the uploads folder, partial ones included (they start with a dot). */
  const stored = () => readdirSync(uploadsDir()).sort();

  const upload = async (parts: Part[], headers: Record<string, string> = volunteer()) => {
    const body = multipart(parts);
    return t.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: { ...headers, ...body.headers }, payload: body.payload });
  };
  const expectFileError = (res: { statusCode: number; json: <T>() => T }, status: number, message: RegExp) => {
    expect(res.statusCode).toBe(status);
    const body = res.json<ErrorBody>();
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.message).toMatch(message);
    expect(body.details).toEqual([{ field: 'file', message: expect.stringMatching(/[\u4e00-\u9fff]/) }]);
  };

  it('stores a JPEG and serves the same bytes back, as image/jpeg, cacheable for long', async () => {
    const before = stored();
    const res = await upload([photo(JPEG)]);
    expect(res.statusCode).toBe(201);
    const { url } = res.json<UploadDto>();
    expect(url).toMatch(/^\/api\/v1\/uploads\/[0-9a-f-]{36}\.jpg$/);
    expect(stored()).toEqual([...before, url.split('/').pop()!].sort());

    const got = await t.app.inject({ method: 'GET', url });
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/jpeg');
    expect(got.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(got.headers['x-content-type-options']).toBe('nosniff');
    expect(got.rawPayload.equals(JPEG)).toBe(true);
  });

  it('recognises the type by the bytes, not the name: a PNG called .jpg is stored and served as PNG; WebP too', async () => {
    const png = pngBytes();
    const res = await upload([photo(png, 'IMG_0001.jpg', 'image/jpeg')]);
    expect(res.statusCode).toBe(201);
    const { url } = res.json<UploadDto>();
    expect(url).toMatch(/\.png$/);
    const got = await t.app.inject({ method: 'GET', url });
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.rawPayload.equals(png)).toBe(true);

    const webp = await upload([photo(WEBP, 'x.webp', 'image/webp')]);
    expect(webp.statusCode).toBe(201);
    const webpUrl = webp.json<UploadDto>().url;
    expect(webpUrl).toMatch(/\.webp$/);
    expect((await t.app.inject({ method: 'GET', url: webpUrl })).headers['content-type']).toBe('image/webp');
  });

  it('refuses what is not a JPEG, PNG or WebP whatever its name says (415 naming file), keeping nothing', async () => {
    const before = stored();
    const html = await upload([photo(Buffer.from('<html><script>alert(1)</script></html>'), 'a.jpg', 'image/jpeg')]);
    expectFileError(html, 415, /^只能上传 JPEG、PNG 或 WebP 图片/);
    const gif = await upload([photo(Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), 'a.png', 'image/png')]);
    expectFileError(gif, 415, /JPEG、PNG 或 WebP/);
    // too short to be anything, even if it starts like a JPEG
    expectFileError(await upload([photo(Buffer.from([0xff, 0xd8, 0xff]))]), 415, /JPEG/);
    expectFileError(await upload([photo(Buffer.alloc(0))]), 415, /JPEG/);
    expect(stored()).toEqual(before);
  });

  it('refuses a request without a file (400 naming file): an empty form, a text field only, the image under another name', async () => {
    expectFileError(await upload([]), 400, /图片/);
    expectFileError(await upload([{ name: 'note', data: '没有图片' }]), 400, /图片/);
    expectFileError(await upload([{ ...photo(JPEG), name: 'image' }]), 400, /图片/);
  });

  it('refuses a body that is not multipart (415 naming file), and only this route takes multipart', async () => {
    const json = await t.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: volunteer(), payload: { file: 'x' } });
    expectFileError(json, 415, /multipart\/form-data/);
    // the other routes still refuse a form
    const body = multipart([photo(JPEG)]);
    const other = await t.app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', headers: body.headers, payload: body.payload });
    expect(other.statusCode).toBe(415);
  });

  it('refuses anyone not logged in (401), and a bad token, before reading the file', async () => {
    const before = stored();
    const anonymous = await upload([photo(JPEG)], {});
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json<ErrorBody>()).toMatchObject({ code: 'UNAUTHORIZED', message: '请先登录。' });
    const forged = await upload([photo(JPEG)], { authorization: 'Bearer a.b.c' });
    expect(forged.statusCode).toBe(401);
    expect(stored()).toEqual(before);
  });

  it('answers 404 for names outside the pattern — traversal attempts, other extensions — and for unknown photos', async () => {
    // a real file next to the uploads: what a traversal would be after
    const attempts = [
      '/api/v1/uploads/..%2Fjwt-secret',
      '/api/v1/uploads/..%2F..%2Fjwt-secret',
      '/api/v1/uploads/%2E%2E%2Fjwt-secret',
      '/api/v1/uploads/..%5Cjwt-secret',
      '/api/v1/uploads/../jwt-secret',
      '/api/v1/uploads/%2Fetc%2Fpasswd',
      '/api/v1/uploads/.0b7e3a52-3c1e-4d0e-9a53-2f1c7f0a9d11.part',
      '/api/v1/uploads/0b7e3a52-3c1e-4d0e-9a53-2f1c7f0a9d11.html',
      '/api/v1/uploads/0b7e3a52-3c1e-4d0e-9a53-2f1c7f0a9d11.jpg%00.png',
      '/api/v1/uploads/0B7E3A52-3C1E-4D0E-9A53-2F1C7F0A9D11.JPG',
    ];
    for (const url of attempts) {
      const res = await t.app.inject({ method: 'GET', url });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
      expect(res.json<ErrorBody>().code).toBe('NOT_FOUND');
      expect(res.body).not.toContain(t.config.jwtSecret);
    }
    const unknown = await t.app.inject({ method: 'GET', url: '/api/v1/uploads/0b7e3a52-3c1e-4d0e-9a53-2f1c7f0a9d11.jpg' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<ErrorBody>()).toEqual({ code: 'NOT_FOUND', message: '没有这张照片。' });
  });

  it('is what the complete action takes as photoUrls; a look-alike path is still refused', async () => {
    await t.database.db.query(`UPDATE app_user SET roster = NULL, on_duty = true WHERE id = $1`, [w.users.volunteerA1.id]);
    const resident = bearer(w.users.residentA1.token);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: resident,
      payload: { categoryCode: 'errands', description: '帮忙买药', urgency: 'normal', headcount: 1 },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json<OrderDto>().id;
    const act = (action: string, payload?: object) =>
      t.app.inject({ method: 'POST', url: `/api/v1/orders/${id}/${action}`, headers: volunteer(), ...(payload ? { payload } : {}) });
    const dispatched = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${id}/dispatch`,
      headers: bearer(w.users.admin.token),
      payload: { assigneeId: w.users.volunteerA1.id },
    });
    expect(dispatched.statusCode).toBe(200);
    expect((await act('accept')).statusCode).toBe(200);
    expect((await act('check-in', { location: { lat: 40.75, lng: 107.4 } })).statusCode).toBe(200);
    const { url } = (await upload([photo(pngBytes(), 'door.png', 'image/png')])).json<UploadDto>();

    const lookAlike = await act('complete', { note: '药已送到', photoUrls: ['/api/v1/uploads/../../jwt-secret'] });
    expect(lookAlike.statusCode).toBe(400);
    expect(lookAlike.json<ErrorBody>().details).toEqual([expect.objectContaining({ field: 'photoUrls' })]);

    const done = await act('complete', { note: '药已送到', photoUrls: [url, 'https://example.com/a.jpg'] });
    expect(done.statusCode).toBe(200);
    const events = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${id}/events`, headers: resident });
    expect(JSON.stringify(events.json())).toContain(url);
  });
});

describe('the upload size limit (UPLOAD_MAX_BYTES)', () => {
  let t: TestApp;
  let w: World;
  afterEach(async () => {
    await t.close();
  });

  const bigJpeg = (bytes: number) => Buffer.concat([JPEG.subarray(0, 20), Buffer.alloc(bytes - 20, 0x41)]);

  it('defaults to 5 MB: 5 MB is stored, one byte more is 413 with a Chinese message, and the partial file is removed', async () => {
    t = await buildTestApp();
    w = await buildWorld(t.app, t.database.db);
    expect(t.config.uploadMaxBytes).toBe(5 * 1024 * 1024);
    const send = (data: Buffer) => {
      const body = multipart([photo(data)]);
      return t.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: { ...bearer(w.users.residentA1.token), ...body.headers }, payload: body.payload });
    };
    const exact = await send(bigJpeg(5 * 1024 * 1024));
    expect(exact.statusCode).toBe(201);
    const over = await send(bigJpeg(5 * 1024 * 1024 + 1));
    expect(over.statusCode).toBe(413);
    expect(over.json<ErrorBody>()).toEqual({
      code: 'VALIDATION_FAILED',
      message: '图片太大，请选择不超过 5 MB 的图片。',
      details: [{ field: 'file', message: '图片太大，请选择不超过 5 MB 的图片' }],
    });
    const files = readdirSync(path.join(t.config.dataDir, 'uploads'));
    expect(files).toEqual([exact.json<UploadDto>().url.split('/').pop()]);
  });

  it('is read from the environment, and holds over real HTTP with a browser-made form (fetch + FormData)', async () => {
    t = await buildTestApp({ UPLOAD_MAX_BYTES: '2048' });
    w = await buildWorld(t.app, t.database.db);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const send = async (data: Buffer) => {
      const form = new FormData();
      form.append('file', new Blob([data], { type: 'image/jpeg' }), 'photo.jpg');
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/uploads`, { method: 'POST', body: form, headers: bearer(w.users.volunteerA1.token) });
      return { status: res.status, body: (await res.json()) as ErrorBody & UploadDto };
    };
    const big = await send(bigJpeg(200 * 1024));
    expect(big.status).toBe(413);
    expect(big.body.message).toBe('图片太大，请选择不超过 2 KB 的图片。');
    // refused after its first bytes: the answer arrives though the rest is never read
    const page = await send(Buffer.alloc(200 * 1024, '<html>'));
    expect(page.status).toBe(415);
    const small = await send(JPEG);
    expect(small.status).toBe(201);
    const got = await fetch(`http://127.0.0.1:${port}${small.body.url}`);
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await got.arrayBuffer()).equals(JPEG)).toBe(true);
    expect(readdirSync(path.join(t.config.dataDir, 'uploads'))).toEqual([small.body.url.split('/').pop()]);
  });
});
