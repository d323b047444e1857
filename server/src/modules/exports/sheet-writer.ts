import { PassThrough, type Readable } from 'node:stream';
import ExcelJS from 'exceljs';

/**
 * Writing a ledger out, row by row, as an Excel workbook or a CSV file, into a stream the reply sends as it fills.
 * `row` waits when the reader is slower than the database (backpressure), so memory stays flat whatever the count.
 */

/** A cell: text, a number, a time (shown in Beijing time), or empty. */
export type Cell = string | number | Date | null;

export interface SheetColumn {
  header: string;
  /** Width in characters (Excel only). */
  width: number;
  kind?: 'text' | 'number' | 'time';
}

export interface SheetWriter {
  readonly stream: Readable;
  row(cells: readonly Cell[]): Promise<void>;
  /** Finishes the file; `notes` (Excel only) go on a second sheet 「说明」: what this is, of where, of when. */
  end(notes: ReadonlyArray<[string, string]>): Promise<void>;
  /** Stops on a failure: the reader sees the download break off rather than a file that looks whole. */
  abort(error: Error): void;
}

/** China has kept UTC+8 all year since 1991: Beijing time is a fixed offset. */
const BEIJING_OFFSET_MS = 8 * 3600_000;

/** `2026-11-23 09:05` in Beijing time (the sheets' and CSV's wording of a time). */
export function beijingTime(d: Date): string {
  return new Date(d.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * A time as an Excel date cell showing Beijing wall time: Excel dates have no zone, so the cell holds the Beijing
 * clock's reading (exceljs writes a Date's UTC fields).
 */
export function beijingCellDate(d: Date): Date {
  return new Date(d.getTime() + BEIJING_OFFSET_MS);
}

/** The reader went away (closed the download, lost the network) before the file was whole. */
export class ReaderGoneError extends Error {
  constructor() {
    super('the reader closed the download');
  }
}

/**
 * Waits while the output holds more than its high-water mark (the reader is slower than the database); throws
 * `ReaderGoneError` once the output is closed, so the export stops reading rows nobody will receive.
 */
async function drained(out: PassThrough): Promise<void> {
  if (out.destroyed) throw new ReaderGoneError();
  if (!out.writableNeedDrain) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
  if (out.destroyed) throw new ReaderGoneError();
}

// ---------- CSV ----------

/** The first characters Excel (and LibreOffice, WPS) read as the start of a formula in a CSV cell. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled. Text that would
 * start a formula (`=cmd|…`, `+`, `-`, `@`) is prefixed with an apostrophe so a spreadsheet shows it instead of
 * running it (OWASP "CSV injection"). Numbers are written as they are.
 */
export function csvField(cell: Cell, kind: SheetColumn['kind'] = 'text'): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return String(cell);
  let text = cell instanceof Date ? beijingTime(cell) : cell;
  if (kind !== 'number' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly Cell[], columns: readonly SheetColumn[]): string {
  return `${cells.map((c, i) => csvField(c, columns[i]?.kind)).join(',')}\r\n`;
}

/** CSV in UTF-8 with a byte-order mark, which Excel needs to read Chinese correctly; CRLF line ends. */
export function csvWriter(columns: readonly SheetColumn[]): SheetWriter {
  const out = new PassThrough();
  out.write(
    `\uFEFF${csvLine(
      columns.map((c) => c.header),
      [],
    )}`,
  );
  return {
    stream: out,
    async row(cells) {
      out.write(csvLine(cells, columns));
      await drained(out);
    },
    async end() {
      out.end();
      await Promise.resolve();
    },
    abort(error) {
      out.destroy(error);
    },
  };
}

// ---------- Excel ----------

/**
 * Uncompressed sheet XML allowed to wait for the zip's deflate: above the high mark rows stop being added until it is
 * down to the low one (without the gap, every row past the mark would wait a timer's turn: 400 rows/s).
 */
const SHEET_BACKLOG_HIGH = 2 * 1024 * 1024;
const SHEET_BACKLOG_LOW = 256 * 1024;

interface StreamState {
  length?: number;
}

/**
 * The bytes of sheet XML written but not yet compressed. exceljs's worksheet writes each committed row into its own
 * buffer (`worksheet.stream`), which hands it on to archiver's input without waiting: when deflate is slower than the
 * rows come (a busy machine), the XML piles up there, outside the V8 heap — 288 MB for a 300,000-row year before this
 * check (`pnpm bench:export`). The output stream's backpressure cannot see it (nothing is late there: it is starved), so
 * the queue of archiver's input is read here. Internals of exceljs 4.4 / archiver 5: when they change, this reads 0 and
 * the output's backpressure alone remains (the bench shows it).
 */
type SheetInput = NodeJS.EventEmitter & { _writableState?: StreamState; _readableState?: StreamState };

function sheetInputs(sheet: ExcelJS.Worksheet): SheetInput[] {
  return (sheet as unknown as { stream?: { pipes?: SheetInput[] } }).stream?.pipes ?? [];
}

function pendingSheetBytes(inputs: readonly SheetInput[]): number {
  return inputs.reduce((n, p) => n + (p._writableState?.length ?? 0) + (p._readableState?.length ?? 0), 0);
}

/** Above the high mark, waits until the zip has taken the backlog down to the low one (its input's `drain`, or a look every 50 ms). */
async function sheetDrained(sheet: ExcelJS.Worksheet, out: PassThrough): Promise<void> {
  const inputs = sheetInputs(sheet);
  if (pendingSheetBytes(inputs) <= SHEET_BACKLOG_HIGH) return;
  while (pendingSheetBytes(inputs) > SHEET_BACKLOG_LOW) {
    if (out.destroyed) throw new ReaderGoneError();
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        for (const p of inputs) p.off('drain', done);
        out.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, 50);
      for (const p of inputs) p.on('drain', done);
      out.on('close', done);
    });
  }
}

const TIME_FORMAT = 'yyyy-mm-dd hh:mm';

/**
 * An .xlsx workbook written by exceljs's streaming writer: each row is committed (serialised into the zip) as soon
 * as it is added, and never kept. Header row frozen and in bold; times as real dates in Beijing time.
 */
export function xlsxWriter(sheetName: string, columns: readonly SheetColumn[]): SheetWriter {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  workbook.creator = '帮帮团';
  const sheet = workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c, i) => ({
    key: `c${i}`,
    header: c.header,
    width: c.width,
    ...(c.kind === 'time' ? { style: { numFmt: TIME_FORMAT } } : {}),
  }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  return {
    stream: out,
    async row(cells) {
      sheet.addRow(cells.map((c) => (c instanceof Date ? beijingCellDate(c) : c))).commit();
      await sheetDrained(sheet, out);
      await drained(out);
    },
    async end(notes) {
      sheet.commit();
      const about = workbook.addWorksheet('说明');
      about.columns = [
        { key: 'k', width: 14 },
        { key: 'v', width: 60 },
      ];
      for (const [k, v] of notes) about.addRow([k, v]).commit();
      about.commit();
      await workbook.commit();
    },
    abort(error) {
      out.destroy(error);
    },
  };
}
