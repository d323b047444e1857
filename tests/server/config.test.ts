import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_MATCH_WEIGHTS, DEFAULT_MAX_ACTIVE_TASKS, DEFAULT_OFFER_WAVES } from '@bangbang/shared';
import { ConfigError, REPO_ROOT, ensureJwtSecret, loadConfig, parseConfig } from '../../server/src/config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env, '/somewhere');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = parseConfig({}, '/somewhere');
    expect(c.port).toBe(3000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.nodeEnv).toBe('development');
    expect(c.dataDir).toBe(path.join(REPO_ROOT, '.data'));
    expect(c.databaseUrl).toBeUndefined();
    expect(c.demoData).toBe(true);
    expect(c.wechat.apiBase).toBe('https://api.weixin.qq.com');
    expect(c.h5Dir).toBe(path.join(REPO_ROOT, 'miniapp', 'dist', 'h5'));
    expect(c.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(c.notify.jobConcurrency).toBe(4);
    expect(c.notify.quietHours).toEqual({ from: 22, to: 7 });
    expect(c.notify.smsDailyCap).toBe(10);
    expect(c.matchWeights).toEqual(DEFAULT_MATCH_WEIGHTS);
    expect(c.maxActiveTasks).toBe(DEFAULT_MAX_ACTIVE_TASKS);
    // every accept respects the same cap, unless HALL_MAX_TASKS says otherwise; no-shows and county alarms (issue 20)
    expect(c.hallMaxTasksInHand).toBe(DEFAULT_MAX_ACTIVE_TASKS);
    expect(parseConfig({ MATCH_MAX_ACTIVE_TASKS: '5' }, '/').hallMaxTasksInHand).toBe(5);
    expect(c.noShow).toEqual({ normalMinutes: 240, urgentMinutes: 60, graceMinutes: 30 });
    expect(c.notify.countyAlarmRepeatMinutes).toBe(30);
    expect(c.visitEscalateHours).toBe(48);
    expect(parseConfig({ VISIT_ESCALATE_HOURS: '24' }, '/').visitEscalateHours).toBe(24);
    expect(problemsOf({ VISIT_ESCALATE_HOURS: '0' })).toEqual([expect.stringContaining('VISIT_ESCALATE_HOURS')]);
  });

  it('takes the matching weights a deployment changes, keeping the others', () => {
    const c = parseConfig({ MATCH_WEIGHTS: '{"perKm": 2.5, "sameGrid": 0}', MATCH_MAX_ACTIVE_TASKS: '5', JOB_CONCURRENCY: '0' }, '/');
    expect(c.matchWeights).toEqual({ ...DEFAULT_MATCH_WEIGHTS, perKm: 2.5, sameGrid: 0 });
    expect(c.maxActiveTasks).toBe(5);
    expect(c.notify.jobConcurrency).toBe(0);
    // tests run the jobs they need themselves
    expect(parseConfig({ NODE_ENV: 'test' }, '/').notify.jobConcurrency).toBe(0);
    expect(parseConfig({ QUIET_HOURS: 'off' }, '/').notify.quietHours).toBeNull();
    expect(parseConfig({ QUIET_HOURS: '23-6' }, '/').notify.quietHours).toEqual({ from: 23, to: 6 });
  });

  it('takes the waves of offers (OFFER_WAVES), and says what is wrong with one', () => {
    expect(parseConfig({}, '/').offerWaves).toEqual(DEFAULT_OFFER_WAVES);
    const waves = [
      { k: 3, radiusKm: 2.5, minutes: 2 },
      { k: 8, radiusKm: null, minutes: 10 },
    ];
    expect(parseConfig({ OFFER_WAVES: JSON.stringify(waves) }, '/').offerWaves).toEqual(waves);
    expect(problemsOf({ OFFER_WAVES: 'five' })).toEqual([expect.stringContaining('OFFER_WAVES 必须是 JSON 数组')]);
    expect(problemsOf({ OFFER_WAVES: '[]' })).toEqual([expect.stringContaining('1 到 20 个波次')]);
    expect(problemsOf({ OFFER_WAVES: '[{"k":5,"radiusKm":3,"minutes":3},{"k":0,"radiusKm":-1,"minutes":3}]' })).toEqual([
      'OFFER_WAVES 第 2 波：k 须为 1 到 200 的整数；radiusKm 须为 0 到 1000 之间的公里数或 null（不限）',
    ]);
  });

  it('reads every variable', () => {
    const c = parseConfig(
      {
        PORT: '8080',
        HOST: '0.0.0.0',
        DATA_DIR: 'var/data',
        DATABASE_URL: 'postgres://u:p@db.example:5432/bangbang',
        NODE_ENV: 'production',
        JWT_SECRET: 'x'.repeat(40),
        ADMIN_PHONES: '13800138000, 13900139000',
        WECHAT_APPID: 'wx123',
        WECHAT_SECRET: 'sekret',
        WECHAT_API_BASE: 'http://127.0.0.1:9999/',
      },
      '/srv/app',
    );
    expect(c).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/srv/app/var/data',
      databaseUrl: 'postgres://u:p@db.example:5432/bangbang',
      nodeEnv: 'production',
      jwtSecret: 'x'.repeat(40),
      adminPhones: ['13800138000', '13900139000'],
      wechat: { appId: 'wx123', secret: 'sekret', apiBase: 'http://127.0.0.1:9999' },
      demoData: false,
    });
  });

  it.each([
    [{ PORT: 'abc' }, /PORT 必须是 0 到 65535 之间的整数，收到 "abc"/],
    [{ PORT: '70000' }, /PORT/],
    [{ PORT: '-1' }, /PORT/],
    [{ NODE_ENV: 'staging' }, /NODE_ENV 必须是 development、production 或 test/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL 必须是 postgres:\/\//],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL/],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET 至少需要 32 个字符/],
    [{ NODE_ENV: 'production' }, /生产环境必须设置 JWT_SECRET/],
    [{ ADMIN_PHONES: '13800138000,12345' }, /ADMIN_PHONES 中有无效的手机号：12345/],
    [{ WECHAT_APPID: 'wx1' }, /WECHAT_APPID 和 WECHAT_SECRET 必须同时设置/],
    [{ WECHAT_API_BASE: 'ftp://x' }, /WECHAT_API_BASE 必须是 http\(s\) 地址/],
    [{ HOST: 'bad host!' }, /HOST 不是有效的主机名或地址/],
    [{ DEMO_DATA: 'maybe' }, /DEMO_DATA 必须是 true 或 false/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ MATCH_WEIGHTS: 'perKm=3' }, /MATCH_WEIGHTS 必须是 JSON/],
    [{ MATCH_WEIGHTS: '[1]' }, /MATCH_WEIGHTS 必须是 JSON 对象/],
    [{ MATCH_WEIGHTS: '{"distance": 3}' }, /MATCH_WEIGHTS 中没有 "distance"，可用：perKm/],
    [{ MATCH_WEIGHTS: '{"perKm": -1}' }, /MATCH_WEIGHTS.perKm 必须是 0 到 1000 之间的数/],
    [{ MATCH_MAX_ACTIVE_TASKS: '0' }, /MATCH_MAX_ACTIVE_TASKS/],
    [{ JOB_CONCURRENCY: 'many' }, /JOB_CONCURRENCY/],
    [{ QUIET_HOURS: '22:00-07:00' }, /QUIET_HOURS/],
    [{ QUIET_HOURS: '7-7' }, /QUIET_HOURS/],
    [{ WECHAT_MINIPROGRAM_STATE: 'beta' }, /WECHAT_MINIPROGRAM_STATE/],
    [{ NO_SHOW_URGENT_MINUTES: '300' }, /NO_SHOW_URGENT_MINUTES（300）不能大于 NO_SHOW_MINUTES（240）/],
    [{ NO_SHOW_GRACE_MINUTES: '0' }, /NO_SHOW_GRACE_MINUTES/],
    [{ COUNTY_ALARM_REPEAT_MINUTES: '1' }, /COUNTY_ALARM_REPEAT_MINUTES/],
  ])('rejects %j with a clear message', (env, message) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ PORT: 'x', NODE_ENV: 'production', ADMIN_PHONES: '1' });
    expect(problems).toHaveLength(3);
    try {
      parseConfig({ PORT: 'x' });
    } catch (err) {
      expect((err as Error).message).toContain('配置有误');
      expect((err as Error).message).toContain('PORT');
    }
  });

  it('treats an empty variable as unset', () => {
    expect(parseConfig({ PORT: '', DATABASE_URL: ' ' }, '/').port).toBe(3000);
    expect(parseConfig({ DATABASE_URL: '' }, '/').databaseUrl).toBeUndefined();
  });

  it('generates a development JWT secret once and keeps it under DATA_DIR, private', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bangbang-cfg-'));
    const first = loadConfig({ DATA_DIR: dir }, '/');
    const second = loadConfig({ DATA_DIR: dir }, '/');
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(readFileSync(path.join(dir, 'jwt-secret'), 'utf8').trim()).toBe(first.jwtSecret);
    expect(statSync(path.join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
    expect(ensureJwtSecret(dir)).toBe(first.jwtSecret);
  });

  it('uses the given JWT_SECRET and writes nothing', () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'bangbang-cfg-')), 'never-made');
    const c = loadConfig({ DATA_DIR: dir, JWT_SECRET: 'y'.repeat(32) }, '/');
    expect(c.jwtSecret).toBe('y'.repeat(32));
    expect(() => statSync(dir)).toThrow();
  });
});
