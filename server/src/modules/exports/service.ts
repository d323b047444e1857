import type { Readable } from 'node:stream';
import {
  EXPORT_KIND_NAMES,
  PLACE_FIGURES,
  PLACE_LEVEL_NAMES,
  WHOLE_TREE_NAME,
  type ExportFormat,
  type ExportKind,
  type PlaceFiguresDto,
  type RegionLevel,
} from '@bangbang/shared';
import type { DataSource, QueryRunner } from 'typeorm';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../clock';
import { ForbiddenError, RateLimitedError } from '../../errors';
import { writeExportLog, type ExportLogEntry } from '../access/access-log';
import { covers, isStaff, jurisdictionOf, pathCondition, type Jurisdiction } from '../access/jurisdiction';
import type { Actor } from '../auth/actor';
import { regionOr404 } from '../regions/lookup';
import type { RegionRef } from '../regions/region.repo';
import type { StatsService } from '../stats/service';
import { fetchCursor, openCursor, type LedgerScope } from './exports.repo';
import { households, serviceLedger, volunteerHours, type Ledger } from './ledgers';
import { beijingTime, csvWriter, ReaderGoneError, xlsxWriter, type Cell, type SheetColumn, type SheetWriter } from './sheet-writer';

/**
 * 导出台账: the ledgers of a place taken out as Excel or CSV, scoped by jurisdiction like every list (a place outside
 * it is 404 地区不存在), streamed from a cursor to the reply, and written to the access log when done (also when the
 * download stopped half-way: what went out, went out).
 */

export interface ExportQuery {
  regionId?: string;
  from?: string;
  to?: string;
}

export interface ExportFile {
  /** 「服务台账-甲社区-20261101-20261130.xlsx」 */
  filename: string;
  /** The same in ASCII, for clients that cannot read the UTF-8 name. */
  asciiName: string;
  contentType: string;
  stream: Readable;
}

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
};

/** Rows fetched from the cursor at a time: big enough to keep the round trips few, small enough to stay flat. */
const BATCH = 1000;

// each ledger's row type is its own: the cursor's rows are handed back to the same ledger's columns, never mixed
const LEDGERS: Record<Exclude<ExportKind, 'stats'>, Ledger<never>> = {
  'service-ledger': serviceLedger,
  'volunteer-hours': volunteerHours,
  households,
};

/** `2026-11-01 至 2026-11-30` (Beijing dates; `to` is exclusive, so its day is the one before when it falls on midnight). */
function periodWords(from?: string, to?: string): string {
  if (from === undefined || to === undefined) return '全部';
  return `${beijingTime(new Date(from)).slice(0, 10)} 至 ${beijingTime(new Date(Date.parse(to) - 1)).slice(0, 10)}`;
}

function fileStem(kind: ExportKind, place: string, from?: string, to?: string): string {
  const period = from === undefined || to === undefined ? '' : `-${periodWords(from, to).replace(/-/g, '').replace(' 至 ', '-')}`;
  // a place's name is the person's own text: keep it out of the header's syntax and the file system's
  return `${EXPORT_KIND_NAMES[kind]}-${place.replace(/["\\/:*?<>|\r\n]/g, '_')}${period}`;
}

export function createExportService({
  db,
  clock,
  stats,
  log,
  maxConcurrent = 2,
}: {
  db: DataSource;
  clock: Clock;
  stats: StatsService;
  log: FastifyBaseLogger;
  /** Exports streaming at once in this process: each holds a database connection until its reader has it all. */
  maxConcurrent?: number;
}) {
  let running = 0;

  async function placeOf(actor: Actor, regionId: string | undefined): Promise<{ j: Jurisdiction; region: RegionRef | null }> {
    if (!isStaff(actor)) throw new ForbiddenError('只有工作人员可以导出台账。');
    const j = jurisdictionOf(actor);
    if (j.kind === 'none') throw new ForbiddenError('您还没有所属地区，无法导出台账。');
    const id = regionId ?? (j.kind === 'subtree' ? j.regionId : undefined);
    return { j, region: id === undefined ? null : await regionOr404(db.manager, id, j) };
  }

  function writerFor(format: ExportFormat, sheetName: string, columns: readonly SheetColumn[]): SheetWriter {
    return format === 'xlsx' ? xlsxWriter(sheetName, columns) : csvWriter(columns);
  }

  function notes(actor: Actor, kind: ExportKind, place: string, q: ExportQuery, rows: number): Array<[string, string]> {
    return [
      ['台账', EXPORT_KIND_NAMES[kind]],
      ['地区', place],
      ['时段', kind === 'households' ? '当前' : `${periodWords(q.from, q.to)}（北京时间，按${kind === 'volunteer-hours' ? '完成时间' : '下单时间'}）`],
      ['导出人', actor.user.name],
      ['导出时间', `${beijingTime(clock())}（北京时间）`],
      ['行数', String(rows)],
    ];
  }

  /** The by-place statistics (a few dozen rows): computed first, then written. */
  async function statsFile(actor: Actor, format: ExportFormat, q: ExportQuery, region: RegionRef | null): Promise<ExportFile> {
    const s = await stats.byPlace(actor, { regionId: region?.id, from: q.from, to: q.to });
    const columns: SheetColumn[] = [
      { header: '地区', width: 18 },
      { header: '层级', width: 14 },
      ...PLACE_FIGURES.map((f) => ({ header: `${f.label}（${f.unit}）`, width: 12, kind: 'number' as const })),
    ];
    const cells = (name: string, level: RegionLevel | null, f: PlaceFiguresDto): Cell[] => [
      name,
      level === null ? '' : PLACE_LEVEL_NAMES[level],
      ...PLACE_FIGURES.map((x) => {
        const v = f[x.key];
        return v === null ? null : x.key === 'onTimeShare' ? Math.round(v * 1000) / 10 : v;
      }),
    ];
    const writer = writerFor(format, '分地区统计', columns);
    const rows = [
      cells(`${s.region.name}（合计）`, s.region.level, s.totals),
      ...s.rows.map((r) => cells(r.name, r.regionId === null ? s.region.level : r.level, r)),
    ];
    const placeName = s.region.name;
    void (async () => {
      try {
        for (const r of rows) await writer.row(r);
        await writer.end(notes(actor, 'stats', placeName, q, rows.length));
        await writeExportLog(db.manager, actor.id, entry('stats', format, q, region, rows.length, true));
      } catch (error) {
        if (!(error instanceof ReaderGoneError)) log.error({ err: error }, 'export failed');
        writer.abort(error as Error);
      }
    })();
    return named('stats', format, placeName, q, writer.stream);
  }

  function entry(kind: ExportKind, format: ExportFormat, q: ExportQuery, region: RegionRef | null, rows: number, complete: boolean): ExportLogEntry {
    return { kind, format, regionId: region?.id ?? null, from: q.from ?? null, to: q.to ?? null, rows, complete };
  }

  function named(kind: ExportKind, format: ExportFormat, place: string, q: ExportQuery, stream: Readable): ExportFile {
    const stem = fileStem(kind, place, q.from, q.to);
    return { filename: `${stem}.${format}`, asciiName: `${kind}.${format}`, contentType: CONTENT_TYPES[format], stream };
  }

  /**
   * A ledger read through a cursor in one REPEATABLE READ transaction: the first batch is read before answering (a
   * failure then is still an error in the contract), the rest while the reader downloads. At the end, in the same
   * snapshot, the access log: the export's own row and one per person shown in full.
   */
  async function ledgerFile(actor: Actor, kind: Exclude<ExportKind, 'stats'>, format: ExportFormat, q: ExportQuery, j: Jurisdiction, region: RegionRef | null) {
    if (running >= maxConcurrent) throw new RateLimitedError('正在导出的台账较多，请稍等一分钟再试。', 60);
    running += 1;
    const ledger = LEDGERS[kind];
    const scope: LedgerScope = {
      jurisdiction: (column, params) => pathCondition(j, column, params),
      placePath: region?.path ?? null,
      from: kind === 'households' ? undefined : q.from,
      to: kind === 'households' ? undefined : q.to,
    };
    const full = (path: string | null) => covers(j, path);
    let runner: QueryRunner | undefined;
    let first: never[];
    try {
      runner = db.createQueryRunner();
      await runner.connect();
      await runner.startTransaction('REPEATABLE READ');
      await openCursor(runner, 'ledger', ledger.query(scope));
      first = await fetchCursor<never>(runner, 'ledger', BATCH);
    } catch (error) {
      running -= 1;
      await runner?.rollbackTransaction().catch(() => undefined);
      await runner?.release();
      throw error;
    }
    const r = runner;
    const writer = writerFor(format, ledger.sheetName, ledger.columns);
    const placeName = region?.name ?? WHOLE_TREE_NAME;
    void (async () => {
      let rows = 0;
      let complete = false;
      try {
        try {
          for (let batch = first; batch.length > 0; batch = await fetchCursor<never>(r, 'ledger', BATCH)) {
            for (const row of batch) {
              await writer.row(ledger.columns.map((c) => c.cell(row, full)));
              rows += 1;
            }
            if (batch.length < BATCH) break;
          }
          await writer.end(notes(actor, kind, placeName, q, rows));
          complete = true;
        } catch (error) {
          if (!(error instanceof ReaderGoneError)) throw error;
        }
        await r.query('CLOSE ledger');
        // the people shown in full: those whose place the viewer's jurisdiction covers (as `full` decided per row)
        const subjects = ledger.subjects(scope, 2, (column, p) => pathCondition(j, column, p));
        await writeExportLog(r.manager, actor.id, entry(kind, format, q, region, rows, complete), subjects);
        await r.commitTransaction();
      } catch (error) {
        log.error({ err: error, kind, rows }, 'export failed');
        writer.abort(error as Error);
        await r.rollbackTransaction().catch(() => undefined);
      } finally {
        await r.release();
        running -= 1;
      }
    })();
    return named(kind, format, placeName, q, writer.stream);
  }

  return {
    /** Checks who asks and for which place, then starts the file; the rows follow in the returned stream. */
    async open(actor: Actor, kind: ExportKind, format: ExportFormat, q: ExportQuery): Promise<ExportFile> {
      const { j, region } = await placeOf(actor, q.regionId);
      if (kind === 'stats') return statsFile(actor, format, q, region);
      return ledgerFile(actor, kind, format, q, j, region);
    },
  };
}

export type ExportService = ReturnType<typeof createExportService>;
