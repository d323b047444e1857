import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import {
  DEFAULT_ERROR_MESSAGES,
  ERROR_HTTP_STATUS,
  ErrorCode,
  IsMainlandMobile,
  isErrorBody,
  isMainlandMobile,
  summarizeDetails,
  validateDto,
} from '@bangbang/shared';

class Point {
  @Type(() => Number)
  @Min(-90)
  @Max(90)
  lat!: number;
}

class Sample {
  @IsString()
  @MaxLength(5)
  name!: string;

  @IsMainlandMobile()
  phone!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  headcount?: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => Point)
  location?: Point;

  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => Point)
  points?: Point[];
}

describe('the error contract', () => {
  it('has a status and a Chinese default message for every code', () => {
    for (const code of Object.values(ErrorCode)) {
      expect(ERROR_HTTP_STATUS[code]).toBeGreaterThanOrEqual(400);
      expect(DEFAULT_ERROR_MESSAGES[code]).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(ERROR_HTTP_STATUS.VALIDATION_FAILED).toBe(400);
    expect(ERROR_HTTP_STATUS.SERVICE_UNAVAILABLE).toBe(503);
  });

  it('tells a contract body from anything else', () => {
    expect(isErrorBody({ code: 'NOT_FOUND', message: '找不到' })).toBe(true);
    expect(isErrorBody({ code: 'NOPE', message: 'x' })).toBe(false);
    expect(isErrorBody({ statusCode: 404, error: 'Not Found' })).toBe(false);
    expect(isErrorBody('<html>')).toBe(false);
    expect(isErrorBody(null)).toBe(false);
  });
});

describe('validateDto', () => {
  it('accepts a valid body and returns an instance of the class', () => {
    const r = validateDto(Sample, { name: '张三', phone: '13800138000', location: { lat: 40.1 } });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value).toBeInstanceOf(Sample);
      expect(r.value.location).toBeInstanceOf(Point);
    }
  });

  it('leaves absent optional fields absent (no own undefined properties to overwrite with)', () => {
    const r = validateDto(Sample, { name: '张三', phone: '13800138000' });
    expect(r.ok && Object.keys(r.value).sort()).toEqual(['name', 'phone']);
  });

  it('rejects unknown properties instead of dropping them', () => {
    const r = validateDto(Sample, { name: '张三', phone: '13800138000', role: 'admin' });
    expect(r).toEqual({ ok: false, details: [{ field: 'role', message: '不允许的字段' }] });
  });

  it('names every bad field, nested ones by path, with Chinese messages', () => {
    const r = validateDto(Sample, {
      name: '名字实在太长了',
      phone: '12345',
      headcount: 0,
      location: { lat: 91 },
      points: [{ lat: 1 }, { lat: -100 }],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byField = Object.fromEntries(r.details.map((d) => [d.field, d.message]));
    expect(byField).toEqual({
      name: '最多 5 个字符',
      phone: '请输入 11 位手机号码',
      headcount: '不能小于 1',
      'location.lat': '不能大于 90',
      'points[1].lat': '不能小于 -90',
    });
    for (const d of r.details) expect(d.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('reports a missing required field as 必填, whatever rule it fails first', () => {
    const r = validateDto(Sample, { phone: '13800138000' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.details).toEqual([{ field: 'name', message: '必填' }]);
    // given but wrong: the rule's own message
    const wrong = validateDto(Sample, { phone: '13800138000', name: 3 });
    if (!wrong.ok) expect(wrong.details).toEqual([{ field: 'name', message: '必须是文本' }]);
  });

  it('rejects a body that is not an object', () => {
    for (const body of [null, [], 3, 'x']) {
      const r = validateDto(Sample, body);
      expect(r).toEqual({ ok: false, details: [{ field: 'body', message: '提交的内容格式不正确，应为一组填写项' }] });
    }
  });

  it('never shows a program’s name to a person: the field in Chinese, bracketed names dropped', () => {
    expect(summarizeDetails([{ field: 'name', message: '必填' }])).toBe('请填写姓名。');
    expect(summarizeDetails([{ field: 'familyContacts[0].phone', message: '格式不正确' }])).toBe('手机号格式不正确。');
    expect(summarizeDetails([{ field: 'assigneeId', message: '请指定接单人（assigneeId）或小分队（squadId）之一' }])).toBe('请指定接单人或小分队之一。');
    expect(summarizeDetails([{ field: 'ids', message: '请指定要标为已读的消息（ids），或全部已读（all: true）' }])).toBe(
      '请指定要标为已读的消息，或全部已读。',
    );
    expect(summarizeDetails([{ field: 'colour', message: '不允许的字段' }])).toBe('提交的内容里有本页面不认识的一项，请刷新后重试。');
  });

  it('summarises details in one sentence naming the first field', () => {
    expect(summarizeDetails([{ field: 'phone', message: '请输入 11 位手机号码' }])).toBe('请输入 11 位手机号码。');
    expect(
      summarizeDetails([
        { field: 'a', message: '必填' },
        { field: 'b', message: '必填' },
      ]),
    ).toBe('有一项必填的内容没有填写（另有 1 处需要修改）。');
  });
});

describe('mainland mobile numbers', () => {
  it.each(['13800138000', '19912345678', '16600001111'])('accepts %s', (p) => expect(isMainlandMobile(p)).toBe(true));
  it.each(['12800138000', '1380013800', '138001380001', '+8613800138000', '1380013800a', ''])('rejects "%s"', (p) => expect(isMainlandMobile(p)).toBe(false));
});
