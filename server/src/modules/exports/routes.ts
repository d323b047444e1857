import {
  EXPORT_FORMATS,
  EXPORT_KIND_HAS_PERIOD,
  EXPORT_KIND_NAMES,
  EXPORT_KINDS,
  ExportPeriodQuery,
  ExportPlaceQuery,
  exportPath,
  type ExportFormat,
  type ExportKind,
} from '@bangbang/shared';
import type { FastifyInstance } from 'fastify';
import { docs } from '../../http/openapi';
import { validateQuery } from '../../http/validate';
import { requireActor } from '../auth/actor';
import type { ExportQuery, ExportService } from './service';

const WHAT: Record<ExportKind, string> = {
  'service-ledger':
    '时段内（按下单时间）该地区的每一件需求：编号、下单时间、居民、电话、地址、所属社区与网格、服务、状态、派单、接单人与小分队、接单/签到/完成/确认时间、服务时长、评分与评价、升级次数。',
  'volunteer-hours': '该地区的每一位志愿者和网格员，以及他们在时段内（按完成时间）完成的服务次数、服务时长、获评次数与平均评分。',
  households: '该地区有台账标签或包联干部的居民：电话、地址、台账标签、包联干部、家属联系人、累计需求。',
  stats: '按地区统计（与 GET /stats/by-place 相同）：本地区合计与每个直属下级地区一行。',
};

const FORMAT_WORDS: Record<ExportFormat, string> = {
  xlsx: 'Excel 工作簿（.xlsx；时间为北京时间的日期单元格，第二张表「说明」写明地区、时段、导出人、行数）',
  csv: "CSV（UTF-8 带 BOM，Excel 可直接打开；以 = + - @ 开头的文本前加 ' 以免被当作公式执行）",
};

/** `attachment` with the Chinese name for browsers (RFC 5987) and an ASCII one for the rest. */
function disposition(filename: string, asciiName: string): string {
  return `attachment; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * 导出台账: `GET /exports/{service-ledger|volunteer-hours|households|stats}.{xlsx|csv}?regionId=&from=&to=`, one route
 * per file, streamed. Staff only, within their jurisdiction; every export is written to the access log.
 */
export default async function exportRoutes(app: FastifyInstance, { exports }: { exports: ExportService }): Promise<void> {
  for (const kind of EXPORT_KINDS) {
    for (const format of EXPORT_FORMATS) {
      app.get(
        exportPath(kind, format),
        {
          schema: docs({
            tags: ['stats'],
            summary: `导出${EXPORT_KIND_NAMES[kind]}（${format === 'xlsx' ? 'Excel' : 'CSV'}）`,
            description: [
              `工作人员导出管辖范围内一个地区（默认：本人管辖范围的顶层）的${EXPORT_KIND_NAMES[kind]}，${FORMAT_WORDS[format]}。`,
              WHAT[kind],
              EXPORT_KIND_HAS_PERIOD[kind] ? '`from`、`to` 必填（结束须晚于开始，最长 366 天）。' : '',
              '逐行从数据库读取、边读边发送，县一级一年的数据也不会占满内存。每次导出都记入访问记录（导出了什么、多少行）。',
            ].join(''),
            auth: 'required',
            response: { 200: { type: 'string', format: 'binary', description: `${EXPORT_KIND_NAMES[kind]}文件` } },
            errors: [403, [404, '地区不存在或不在管辖范围内'], [429, '同时进行的导出较多，请稍后再试']],
          }),
          preValidation: validateQuery(EXPORT_KIND_HAS_PERIOD[kind] ? ExportPeriodQuery : ExportPlaceQuery),
        },
        async (request, reply) => {
          const file = await exports.open(requireActor(request), kind, format, request.query as ExportQuery);
          return reply
            .header('content-type', file.contentType)
            .header('content-disposition', disposition(file.filename, file.asciiName))
            .header('cache-control', 'no-store')
            .send(file.stream);
        },
      );
    }
  }
}
