import { Writable } from 'node:stream';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { createWechatAccessToken, type WechatAccessToken } from '../../server/src/modules/auth/wechat-token';
import { createSmsSender, NOTICE_MAX_CHARS, noticeText, SmsNoticeRejectedError, type SmsSender } from '../../server/src/modules/phone/sms-sender';
import { beijingHour, inQuietHours, quietHoursEnd } from '../../server/src/modules/notifications/channels/quiet-hours';
import {
  characterString,
  isValidKeywordValue,
  name,
  phrase,
  templateData,
  TEMPLATE_KEYWORDS,
  thing,
  time,
  type TemplateLayout,
} from '../../server/src/modules/notifications/channels/wechat-data';
import { ChannelUnavailableError, createWechatSubscribeSender, type SubscribeMessage } from '../../server/src/modules/notifications/channels/wechat-subscribe';
import { testConfig } from '../support/app';
import { FAKE_APPID, FAKE_SECRET, startFakeWechat, type FakeWechat } from '../support/fake-wechat';
import { ALIYUN_NOTICE_TEMPLATE, NOTICE_TEMPLATE, startFakeSms, type FakeSms } from '../support/fake-sms';

/**
 * The outbound channels of issue 19, each against its loopback fake: WeChat subscription messages (the data fitted to
 * WeChat's keyword rules, the token refreshed once, each errcode sorted into sent / no quota / rejected / try later)
 * and notice SMS through Tencent's and Aliyun's official SDKs; and the quiet hours in Beijing time.
 */

/** 2026-12-07 14:05 Beijing time. */
const AT = new Date('2026-12-07T06:05:00Z');
const LONG = '这是一段非常非常长的说明文字，用来检查订阅消息的内容在超过二十个字时会被截断并加上省略号';

describe('WeChat subscription message data (wechat-data)', () => {
  it('fits each keyword type to its rule: thing ≤ 20 with …, phrase ≤ 5 Chinese, time in Beijing time', () => {
    expect(thing('助餐')).toBe('助餐');
    const cut = thing(LONG);
    expect([...cut]).toHaveLength(20);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut.slice(0, 19)).toBe([...LONG].slice(0, 19).join(''));
    expect(thing('第一行\n第二行\t  结束')).toBe('第一行 第二行 结束');
    expect(thing('   ', '默认')).toBe('默认');
    expect(thing(undefined)).toBe('—');
    // exactly 20 stays whole
    expect(thing('一二三四五六七八九十一二三四五六七八九十')).toBe('一二三四五六七八九十一二三四五六七八九十');

    expect(phrase('已接单')).toBe('已接单');
    expect(phrase('待确认完成了吗')).toBe('待确认完成');
    expect(phrase('第2次上门!')).toBe('第次上门');
    expect(phrase('OK')).toBe('有更新');
    expect(phrase(undefined, '进行中')).toBe('进行中');

    expect(time(AT)).toBe('2026-12-07 14:05');
    // 23:30 UTC is the next day in Beijing
    expect(time(new Date('2026-12-31T23:30:00Z'))).toBe('2027-01-01 07:30');

    expect(characterString('BB-2026-0001 订单')).toBe('BB-2026-0001');
    expect(characterString('x'.repeat(40))).toHaveLength(32);
    expect(name('欧阳娜娜娜娜娜娜娜娜娜')).toBe('欧阳娜娜娜娜娜娜娜娜');
    expect(name('Alexander Hamilton the Third')).toHaveLength(20);
  });

  it('never builds a value WeChat would refuse, from 500 random texts (Chinese, Latin, emoji, control characters)', () => {
    let seed = 19;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const alphabet = ['助', '餐', '已', '接', '单', 'a', 'Z', '7', ' ', '\n', '\t', '\u0000', '\u200b', '【', '】', '…', '😀', '-', '，'];
    const text = () => Array.from({ length: Math.floor(next() * 60) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    for (let i = 0; i < 500; i++) {
      const facts = { service: text(), status: text(), place: text(), time: new Date(Math.floor(next() * 4e12)), note: text() };
      for (const layout of ['orderStatus', 'newTask', 'alarm'] as TemplateLayout[]) {
        for (const [key, { value }] of Object.entries(templateData(layout, facts))) {
          if (!isValidKeywordValue(key, value)) throw new Error(`${layout}.${key}: ${JSON.stringify(value)} from ${JSON.stringify(facts)}`);
        }
      }
    }
  });

  it('fills a template whose keywords WeChat numbers differently, fitting each value to its key type', () => {
    const data = templateData(
      'orderStatus',
      { service: LONG, status: '已接单', time: AT, note: '订单 BB-0001' },
      { service: 'thing3', status: 'phrase7', time: 'date2', note: 'character_string9' },
    );
    expect(data).toEqual({
      thing3: { value: thing(LONG) },
      phrase7: { value: '已接单' },
      date2: { value: '2026-12-07 14:05' },
      character_string9: { value: 'BB-0001' },
    });
    for (const [key, { value }] of Object.entries(data)) expect(isValidKeywordValue(key, value)).toBe(true);
    expect(templateData('alarm', { service: '', time: AT, note: '' })).toMatchObject({ thing1: { value: '待办事项' }, thing2: { value: '见需求详情' } });
    // empty facts into keys whose type cannot hold the usual fallback (Chinese in a character_string): still valid
    const odd = templateData('newTask', { service: '', place: '', time: AT, note: '' }, { service: 'phrase1', place: 'character_string2', note: 'name4' });
    for (const [key, { value }] of Object.entries(odd)) expect([key, value, isValidKeywordValue(key, value)]).toEqual([key, value, true]);
  });

  it('says which values WeChat would refuse', () => {
    expect(isValidKeywordValue('thing1', 'x'.repeat(20))).toBe(true);
    expect(isValidKeywordValue('thing1', 'x'.repeat(21))).toBe(false);
    expect(isValidKeywordValue('thing1', '')).toBe(false);
    expect(isValidKeywordValue('thing1', 'a\nb')).toBe(false);
    expect(isValidKeywordValue('phrase2', '配送中')).toBe(true);
    expect(isValidKeywordValue('phrase2', '配送中…')).toBe(false);
    expect(isValidKeywordValue('phrase2', '六个汉字呢呀')).toBe(false);
    expect(isValidKeywordValue('time3', '2026-12-07 14:05')).toBe(true);
    expect(isValidKeywordValue('time3', '2019年10月1日 15:01')).toBe(true);
    expect(isValidKeywordValue('time3', '下午两点')).toBe(false);
    expect(isValidKeywordValue('character_string5', 'A-1')).toBe(true);
    expect(isValidKeywordValue('character_string5', '订单')).toBe(false);
  });

  it.each(['orderStatus', 'newTask', 'alarm'] as TemplateLayout[])('%s: every keyword of the layout, each valid even from long or empty facts', (layout) => {
    const keys = TEMPLATE_KEYWORDS[layout].map((k) => k.key);
    for (const facts of [
      { service: '助餐', status: '已接单', place: '幸福小区 3 栋', time: AT, note: '请保持电话畅通' },
      { service: LONG, status: '志愿者已经出发了正在路上', place: LONG, time: AT, note: LONG },
      { service: '', status: '', place: '', time: AT, note: '' },
      { service: '助\u0000餐\r\n', time: AT, note: '备注\u2028下一行' },
    ]) {
      const data = templateData(layout, facts);
      expect(Object.keys(data)).toEqual(keys);
      for (const [key, { value }] of Object.entries(data)) expect([key, value, isValidKeywordValue(key, value)]).toEqual([key, value, true]);
      expect(data.time3!.value).toBe('2026-12-07 14:05');
    }
  });
});

describe('WeChat subscription messages (wechat-subscribe) against the fake WeChat', () => {
  let wechat: FakeWechat;
  let token: WechatAccessToken;
  const sender = () => createWechatSubscribeSender({ apiBase: wechat.url, token, miniprogramState: 'trial' });
  const message = (layout: TemplateLayout, openid = 'openid-resident', extra: Partial<SubscribeMessage> = {}): SubscribeMessage => ({
    openid,
    templateId: `tmpl-${layout}`,
    page: 'pages/order/detail?id=00000000-0000-4000-8000-000000000001',
    data: templateData(layout, { service: '助餐', status: '已接单', place: '幸福小区 3 栋', time: AT, note: LONG }),
    ...extra,
  });

  beforeAll(async () => {
    wechat = await startFakeWechat();
  });
  afterAll(async () => {
    await wechat.close();
  });
  beforeEach(() => {
    wechat.outage = false;
    wechat.subscribeErrors.clear();
    token = createWechatAccessToken({ apiBase: wechat.url, appId: FAKE_APPID, secret: FAKE_SECRET });
  });

  it.each(['orderStatus', 'newTask', 'alarm'] as TemplateLayout[])('sends %s with valid data, the page and the mini-program state', async (layout) => {
    const before = wechat.subscribeSends.length;
    await expect(sender().send(message(layout))).resolves.toEqual({ outcome: 'sent' });
    expect(wechat.subscribeSends).toHaveLength(before + 1);
    const sent = wechat.subscribeSends.at(-1)!;
    expect(sent).toEqual({
      touser: 'openid-resident',
      template_id: `tmpl-${layout}`,
      page: 'pages/order/detail?id=00000000-0000-4000-8000-000000000001',
      data: message(layout).data,
      miniprogram_state: 'trial',
    });
    expect(sent.data.thing4!.value).toHaveLength(20);
    // the token went in the query string, never in the body
    const call = wechat.requests.filter((u) => u.pathname === '/cgi-bin/message/subscribe/send').at(-1)!;
    expect(call.searchParams.get('access_token')).toBe(wechat.accessToken);
  });

  it('refreshes an ended token exactly once and the message goes out', async () => {
    const s = sender();
    await expect(s.send(message('orderStatus'))).resolves.toEqual({ outcome: 'sent' });
    const tokensBefore = wechat.count('/cgi-bin/stable_token');
    const callsBefore = wechat.count('/cgi-bin/message/subscribe/send');
    const sendsBefore = wechat.subscribeSends.length;

    wechat.rotateToken(); // as when another process force-refreshed it: ours now gets 40001
    await expect(s.send(message('orderStatus'))).resolves.toEqual({ outcome: 'sent' });
    expect(wechat.count('/cgi-bin/stable_token')).toBe(tokensBefore + 1);
    expect(wechat.count('/cgi-bin/message/subscribe/send')).toBe(callsBefore + 2);
    expect(wechat.subscribeSends).toHaveLength(sendsBefore + 1);

    // the fresh token is kept: the next message needs no fetch
    await expect(s.send(message('newTask'))).resolves.toEqual({ outcome: 'sent' });
    expect(wechat.count('/cgi-bin/stable_token')).toBe(tokensBefore + 1);
  });

  it('tries a fresh token once only: a token refused twice running is WeChat not itself (try later)', async () => {
    let invalidated = 0;
    const stale: WechatAccessToken = { get: () => Promise.resolve('never-valid'), invalidate: () => void invalidated++ };
    const calls = wechat.count('/cgi-bin/message/subscribe/send');
    const s = createWechatSubscribeSender({ apiBase: wechat.url, token: stale, miniprogramState: 'formal' });
    await expect(s.send(message('alarm'))).rejects.toBeInstanceOf(ChannelUnavailableError);
    expect(wechat.count('/cgi-bin/message/subscribe/send')).toBe(calls + 2);
    expect(invalidated).toBe(1);
  });

  it('43101 (no subscription left, or refused) is no_quota; nothing recorded as sent', async () => {
    wechat.subscribeErrors.set('openid-no-quota', 43101);
    const before = wechat.subscribeSends.length;
    const result = await sender().send(message('newTask', 'openid-no-quota'));
    expect(result).toEqual({ outcome: 'no_quota', detail: expect.stringMatching(/订阅/) });
    expect(wechat.subscribeSends).toHaveLength(before);
  });

  it('a bad openid, template id or data is rejected with a Chinese detail naming the errcode, never thrown', async () => {
    wechat.subscribeErrors.set('openid-bad', 40003);
    const s = sender();
    const badOpenid = await s.send(message('orderStatus', 'openid-bad'));
    expect(badOpenid).toEqual({ outcome: 'rejected', detail: expect.stringContaining('openid') });
    expect(badOpenid.outcome === 'rejected' && badOpenid.detail).toMatch(/40003/);

    const noTemplate = await s.send(message('orderStatus', 'openid-resident', { templateId: '' }));
    expect(noTemplate.outcome).toBe('rejected');

    // data built by hand, breaking the phrase rule: the fake answers 47003 as WeChat does
    const badData = await s.send(message('orderStatus', 'openid-resident', { data: { ...message('orderStatus').data, phrase2: { value: '已接单!' } } }));
    expect(badData).toEqual({ outcome: 'rejected', detail: expect.stringContaining('47003') });

    wechat.subscribeErrors.set('openid-banned', 43107);
    expect(await s.send(message('alarm', 'openid-banned'))).toMatchObject({ outcome: 'rejected' });
  });

  it.each([
    ['HTTP 502', 'http' as const],
    ['errcode -1', 'busy' as const],
  ])('an outage (%s) throws ChannelUnavailableError with a Chinese message, for the queue to retry', async (_, outage) => {
    const s = sender();
    await s.send(message('orderStatus')); // a token in hand, so the outage meets the send itself
    wechat.outage = outage;
    const before = wechat.subscribeSends.length;
    const err = (await s.send(message('orderStatus')).catch((e: unknown) => e)) as ChannelUnavailableError;
    expect(err).toBeInstanceOf(ChannelUnavailableError);
    expect(err.channel).toBe('wechat');
    expect(err.message).toMatch(/微信/);
    expect(wechat.subscribeSends).toHaveLength(before);

    // with no token yet, the token fetch meets the outage: the same error
    token = createWechatAccessToken({ apiBase: wechat.url, appId: FAKE_APPID, secret: FAKE_SECRET });
    await expect(sender().send(message('orderStatus'))).rejects.toBeInstanceOf(ChannelUnavailableError);
  });

  it('WeChat not answering at all is given up after 5 s: ChannelUnavailableError', async () => {
    const s = sender();
    await s.send(message('orderStatus'));
    wechat.outage = 'stall';
    const started = Date.now();
    await expect(s.send(message('orderStatus'))).rejects.toBeInstanceOf(ChannelUnavailableError);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(4_900);
    expect(waited).toBeLessThan(15_000);
  });

  it('the rate limit (45009) and concurrent sends (43108) are worth another try; an unreachable host too', async () => {
    wechat.subscribeErrors.set('openid-rate', 45009);
    wechat.subscribeErrors.set('openid-concurrent', 43108);
    await expect(sender().send(message('orderStatus', 'openid-rate'))).rejects.toBeInstanceOf(ChannelUnavailableError);
    await expect(sender().send(message('orderStatus', 'openid-concurrent'))).rejects.toBeInstanceOf(ChannelUnavailableError);
    const nowhere = createWechatSubscribeSender({
      apiBase: 'http://127.0.0.1:1',
      token: { get: () => Promise.resolve('t'), invalidate: () => undefined },
      miniprogramState: 'formal',
    });
    await expect(nowhere.send(message('orderStatus'))).rejects.toBeInstanceOf(ChannelUnavailableError);
  });
});

describe('notice SMS (sms-sender notice)', () => {
  let sms: FakeSms;
  let lines: string[];
  let log: FastifyBaseLogger;
  beforeAll(async () => {
    sms = await startFakeSms();
  });
  afterAll(async () => {
    await sms.close();
  });
  beforeEach(() => {
    sms.outage = false;
    sms.error = undefined;
    sms.status = undefined;
    lines = [];
    log = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
  });

  const senderFor = (env: Record<string, string>): SmsSender => {
    const config = testConfig(env);
    const s = createSmsSender(config.sms, log, config.notify.smsTemplate);
    if (!s) throw new Error('no sender');
    return s;
  };
  const rejection = async (p: Promise<void>) => (await p.then(() => undefined).catch((e: unknown) => e)) as SmsNoticeRejectedError;

  it('cuts a notice to 35 characters with …, one line, no 【】', () => {
    expect(noticeText('您的需求「助餐」已被接单')).toBe('您的需求「助餐」已被接单');
    const long = noticeText(LONG + LONG);
    expect([...long]).toHaveLength(NOTICE_MAX_CHARS);
    expect(long.endsWith('…')).toBe(true);
    expect(noticeText(' 【紧急】新需求\n待派单 ')).toBe('「紧急」新需求 待派单');
  });

  it('Tencent: the notice template with the content as {1}; the code path untouched', async () => {
    const s = senderFor(sms.env);
    await s.notice('13800000001', '您的需求「助餐」已被志愿者接单');
    expect(sms.notices.at(-1)).toMatchObject({
      provider: 'tencent',
      phone: '13800000001',
      content: '您的需求「助餐」已被志愿者接单',
      templateId: NOTICE_TEMPLATE,
      body: { PhoneNumberSet: ['+8613800000001'], SignName: '帮帮团', TemplateParamSet: ['您的需求「助餐」已被志愿者接单'] },
    });
    await s.notice('13800000001', LONG + LONG);
    expect([...sms.notices.at(-1)!.content]).toHaveLength(NOTICE_MAX_CHARS);

    const codes = sms.sent.length;
    await s.send('13800000001', '123456', 5);
    expect(sms.sent).toHaveLength(codes + 1);
    expect(sms.sent.at(-1)).toMatchObject({ phone: '13800000001', code: '123456', params: ['123456', '5'], body: { TemplateId: '123456' } });
  });

  it('Aliyun: the notice template with ${content}; a long text cut so Aliyun takes it', async () => {
    const s = senderFor(sms.aliyunEnv);
    await s.notice('13800000002', '新需求待派单：助餐');
    expect(sms.notices.at(-1)).toMatchObject({ provider: 'aliyun', phone: '13800000002', content: '新需求待派单：助餐', templateId: ALIYUN_NOTICE_TEMPLATE });
    expect(JSON.parse(sms.notices.at(-1)!.body.TemplateParam as string)).toEqual({ content: '新需求待派单：助餐' });
    // the fake refuses a variable over 35 characters as Aliyun does: the sender cut it first
    await s.notice('13800000002', LONG + LONG);
    expect([...sms.notices.at(-1)!.content]).toHaveLength(NOTICE_MAX_CHARS);
  });

  it('log provider: the notice goes to the log with the phone masked', async () => {
    const s = senderFor({ SMS_PROVIDER: 'log', SMS_NOTIFY_TEMPLATE: 'dev' });
    await s.notice('13800000003', '您的需求已完成，请确认');
    const line = lines.find((l) => l.includes('通知短信'));
    expect(line).toContain('尾号 0003');
    expect(line).toContain('您的需求已完成，请确认');
    expect(line).not.toContain('13800000003');
  });

  it('refuses clearly (config) without a notice template, for every provider, before any request', async () => {
    const notices = sms.notices.length;
    for (const env of [{ ...sms.env, SMS_NOTIFY_TEMPLATE: '' }, { ...sms.aliyunEnv, SMS_NOTIFY_TEMPLATE: '' }, { SMS_PROVIDER: 'log' }]) {
      const { SMS_NOTIFY_TEMPLATE: _, ...withoutTemplate } = env as Record<string, string>;
      const err = await rejection(senderFor(withoutTemplate).notice('13800000004', '通知'));
      expect(err).toBeInstanceOf(SmsNoticeRejectedError);
      expect(err.reason).toBe('config');
      expect(err.message).toContain('SMS_NOTIFY_TEMPLATE');
    }
    expect(sms.notices).toHaveLength(notices);
  });

  it.each([
    ['tencent', 'env' as const],
    ['aliyun', 'aliyunEnv' as const],
  ])('%s: an outage (HTTP 502) or a network failure is ChannelUnavailableError; nothing recorded', async (_, which) => {
    const s = senderFor(sms[which]);
    sms.outage = true;
    const notices = sms.notices.length;
    const err = (await s.notice('13800000005', '通知').catch((e: unknown) => e)) as ChannelUnavailableError;
    expect(err).toBeInstanceOf(ChannelUnavailableError);
    expect(err.channel).toBe('sms');
    expect(err.message).toMatch(/短信/);
    expect(sms.notices).toHaveLength(notices);
    sms.outage = false;
    const unreachable = senderFor({ ...sms[which], SMS_ENDPOINT: 'http://127.0.0.1:1' });
    await expect(unreachable.notice('13800000005', '通知')).rejects.toBeInstanceOf(ChannelUnavailableError);
  });

  it('tells transient provider refusals from permanent ones, for both providers', async () => {
    const tencent = senderFor(sms.env);
    const aliyun = senderFor(sms.aliyunEnv);

    sms.status = { Code: 'InvalidParameterValue.IncorrectPhoneNumber', Message: 'incorrect phone' };
    expect(await rejection(tencent.notice('13800000006', '通知'))).toMatchObject({
      reason: 'phone',
      providerCode: 'InvalidParameterValue.IncorrectPhoneNumber',
    });
    sms.status = { Code: 'LimitExceeded.PhoneNumberDailyLimit', Message: 'daily' };
    expect(await rejection(tencent.notice('13800000006', '通知'))).toMatchObject({ reason: 'limit' });
    sms.status = { Code: 'LimitExceeded.PhoneNumberThirtySecondLimit', Message: '30s' };
    await expect(tencent.notice('13800000006', '通知')).rejects.toBeInstanceOf(ChannelUnavailableError);
    sms.status = undefined;

    sms.error = { Code: 'FailedOperation.TemplateIncorrectOrUnapproved', Message: 'template' };
    const unapproved = await rejection(tencent.notice('13800000006', '通知'));
    expect(unapproved).toBeInstanceOf(SmsNoticeRejectedError);
    expect(unapproved).toMatchObject({ reason: 'config' });
    sms.error = { Code: 'InternalError.Timeout', Message: 'timeout' };
    await expect(tencent.notice('13800000006', '通知')).rejects.toBeInstanceOf(ChannelUnavailableError);
    sms.error = undefined;

    sms.status = { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号' };
    expect(await rejection(aliyun.notice('13800000007', '通知'))).toMatchObject({ reason: 'phone' });
    sms.status = { Code: 'isv.SMS_TEMPLATE_ILLEGAL', Message: '模板不合法' };
    expect(await rejection(aliyun.notice('13800000007', '通知'))).toMatchObject({ reason: 'config' });
    sms.status = { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '业务限流' };
    await expect(aliyun.notice('13800000007', '通知')).rejects.toBeInstanceOf(ChannelUnavailableError);
    sms.status = { Code: 'isp.SYSTEM_ERROR', Message: '系统错误' };
    await expect(aliyun.notice('13800000007', '通知')).rejects.toBeInstanceOf(ChannelUnavailableError);
    sms.status = undefined;
    sms.error = { Code: 'InvalidAccessKeyId.NotFound', Message: 'Specified access key is not found.' };
    expect(await rejection(aliyun.notice('13800000007', '通知'))).toMatchObject({ reason: 'config' });
    sms.error = undefined;

    // not a mainland mobile: refused before any request
    expect(await rejection(tencent.notice('12345', '通知'))).toMatchObject({ reason: 'phone' });
    // the log never carries the phone
    expect(lines.join('')).not.toContain('13800000006');
  });
});

describe('quiet hours (Beijing time)', () => {
  /** A moment given in Beijing time. */
  const bj = (hhmmss: string, day = '2026-12-07') => new Date(`${day}T${hhmmss}+08:00`);
  const night = { from: 22, to: 7 };

  it('22-7 spans midnight: 22:00 quiet, 06:59:59 quiet, 07:00 not, 21:59:59 not', () => {
    expect(inQuietHours(bj('21:59:59'), night)).toBe(false);
    expect(inQuietHours(bj('22:00:00'), night)).toBe(true);
    expect(inQuietHours(bj('23:59:59'), night)).toBe(true);
    expect(inQuietHours(bj('00:00:00'), night)).toBe(true);
    expect(inQuietHours(bj('06:59:59'), night)).toBe(true);
    expect(inQuietHours(bj('07:00:00'), night)).toBe(false);
    expect(inQuietHours(bj('12:00:00'), night)).toBe(false);
  });

  it('a range within one day (13-15): from inclusive, to exclusive', () => {
    const noon = { from: 13, to: 15 };
    expect(inQuietHours(bj('12:59:59'), noon)).toBe(false);
    expect(inQuietHours(bj('13:00:00'), noon)).toBe(true);
    expect(inQuietHours(bj('14:59:59'), noon)).toBe(true);
    expect(inQuietHours(bj('15:00:00'), noon)).toBe(false);
    expect(inQuietHours(bj('23:00:00'), noon)).toBe(false);
  });

  it('is Beijing time whatever the instant is written in; off means never quiet', () => {
    // 14:30 UTC is 22:30 in Beijing
    expect(beijingHour(new Date('2026-12-07T14:30:00Z'))).toBe(22);
    expect(inQuietHours(new Date('2026-12-07T14:30:00Z'), night)).toBe(true);
    expect(inQuietHours(new Date('2026-12-07T13:59:59Z'), night)).toBe(false);
    expect(inQuietHours(bj('03:00:00'), null)).toBe(false);
  });

  it('says when the quiet hours end, for a notice deferred rather than dropped', () => {
    expect(quietHoursEnd(bj('23:30:00'), night)).toEqual(bj('07:00:00', '2026-12-08'));
    expect(quietHoursEnd(bj('06:59:59'), night)).toEqual(bj('07:00:00'));
    expect(quietHoursEnd(bj('00:00:00'), night)).toEqual(bj('07:00:00'));
    expect(quietHoursEnd(bj('12:00:00'), night)).toBeUndefined();
    expect(quietHoursEnd(bj('13:10:00'), { from: 13, to: 15 })).toEqual(bj('15:00:00'));
  });
});
