import ExcelJS from 'exceljs';
import type { ErrorDetail } from '@bangbang/shared';
import { ValidationFailedError } from '../../errors';

/**
 * Reading an uploaded workbook (导入台账) into rows of text, or a 400 that says what is wrong with the file. exceljs
 * reads a whole workbook into memory and throws on anything that is not one, so the file is looked at first: its
 * size (by the route, before anything is read whole), that it is a zip holding `xl/workbook.xml`, and what it would
 * unpack to (a small zip can unpack to gigabytes).
 */

/** A problem of the whole file: 400 in the error contract, naming the file. */
export function fileProblem(message: string, status = 400): ValidationFailedError {
  return Object.assign(new ValidationFailedError(`${message}。`, [{ field: 'file', message }]), { statusCode: status });
}

/** A workbook unpacks to at most this many times its size (an xlsx is text compressed ~5–10×). */
const MAX_UNPACK_RATIO = 20;

interface ZipEntry {
  name: string;
  size: number;
}

/** The entries of a zip's central directory; undefined when the bytes are not a zip. */
function zipEntries(buf: Buffer): ZipEntry[] | undefined {
  if (buf.length < 22 || buf.readUInt32LE(0) !== 0x04034b50) return undefined;
  // the end-of-central-directory record: within the last 22 + 65,535 (its comment) bytes
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) return undefined;
    const size = buf.readUInt32LE(p + 24);
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    // 0xffffffff: the size is in a ZIP64 field — more than 4 GB, far beyond any ledger
    out.push({ name: buf.toString('utf8', p + 46, p + 46 + nameLength), size: size === 0xffffffff ? Number.MAX_SAFE_INTEGER : size });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return out;
}

const NOT_A_WORKBOOK = '文件不是 Excel 工作簿（.xlsx），请用导入模板填写后上传';

/** What the bytes are, when they are not an xlsx workbook: the sentence that tells the person what to do. */
function notWorkbookMessage(buf: Buffer): string {
  if (buf.length >= 8 && buf.readUInt32BE(0) === 0xd0cf11e0) return '文件是旧版 Excel（.xls）格式，请在 Excel 中“另存为” .xlsx 后再上传';
  const head = buf.subarray(0, 512).toString('utf8');
  if (/^[^\0]*[,\t][^\0]*\n/.test(head) && !head.includes('\0')) return '文件是文本（如 CSV），不是 Excel 工作簿；请用导入模板（.xlsx）填写后上传';
  return NOT_A_WORKBOOK;
}

/** The workbook, or a 400 naming what is wrong with the file. */
export async function loadWorkbook(buf: Buffer): Promise<ExcelJS.Workbook> {
  if (buf.length === 0) throw fileProblem('上传的文件是空的');
  const entries = zipEntries(buf);
  if (!entries) throw fileProblem(notWorkbookMessage(buf));
  if (!entries.some((e) => e.name === 'xl/workbook.xml')) throw fileProblem('文件是压缩包，但不是 Excel 工作簿（.xlsx）');
  const unpacked = entries.reduce((sum, e) => sum + e.size, 0);
  if (unpacked > buf.length * MAX_UNPACK_RATIO + 1024 * 1024) {
    throw fileProblem('文件解压后过大（可能含有大量空白格式或图片），请只保留导入模板中的列后再上传', 413);
  }
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(buf as unknown as ArrayBuffer);
  } catch {
    throw fileProblem('文件已损坏或不是有效的 Excel 工作簿，无法读取；请在 Excel 中打开、另存为 .xlsx 后再上传');
  }
  return workbook;
}

/** One data row: Excel's row number and its cells' text by header (absent: the cell is empty). */
export interface SheetRow {
  row: number;
  cells: Map<string, string>;
  /** Columns whose cell could not be read (told in `cellProblems`): no further problem is reported of them. */
  unreadable: Set<string>;
}

export interface ReadSheet {
  name: string;
  rows: SheetRow[];
  /** Problems of single cells (formulas without a value, error values, numbers that lost digits). */
  cellProblems: ErrorDetail[];
}

/** Columns whose numbers must be whole digit strings (a phone or ID-card number typed as a number). */
export interface SheetSpec {
  /** The sheet to read when the workbook has it; otherwise the first. */
  preferredSheet: string;
  /** Every header a sheet of this kind may have (others are misspelt or foreign). */
  headers: readonly string[];
  required: readonly string[];
  /** Extra headers accepted (家属3姓名 … beyond the template's). */
  alsoAccepted?: (header: string) => boolean;
  digitColumns: ReadonlySet<string>;
  maxRows: number;
}

function columnLetter(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}

type CellText = { text: string } | { problem: string } | undefined;

/**
 * A cell's value as text. A formula counts by the value Excel saved with it (a ledger often builds an address or a
 * name with =A2&B2; refusing them would send staff to "paste as values" for nothing), but a formula saved without a
 * value (written by a program, never opened in Excel) cannot be read, and an error value (#N/A) is not data: both
 * are refused naming the cell.
 */
function cellText(value: ExcelJS.CellValue, digits: boolean): CellText {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return { text: value };
  if (typeof value === 'number') {
    if (digits && Number.isInteger(value) && value > Number.MAX_SAFE_INTEGER / 10) {
      return { problem: '数字太长，末几位已被 Excel 改成 0；请把这一列设为文本格式后重新填写' };
    }
    return { text: Number.isInteger(value) ? value.toFixed(0) : String(value) };
  }
  if (typeof value === 'boolean') return { text: value ? '是' : '否' };
  if (value instanceof Date) return { text: value.toISOString().slice(0, 10) };
  if ('richText' in value) return { text: value.richText.map((r) => r.text).join('') };
  if ('error' in value) return { problem: `单元格是错误值 ${String(value.error)}` };
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as { result?: unknown }).result;
    if (result === undefined || result === null) {
      return { problem: '单元格是公式，但文件中没有保存它的计算结果；请在 Excel 中打开并保存后再导入，或把公式粘贴为数值' };
    }
    if (typeof result === 'object' && 'error' in result) {
      return { problem: `公式的结果是错误值 ${String(result.error)}` };
    }
    return cellText(result as ExcelJS.CellValue, digits);
  }
  if ('text' in value) return cellText((value as { text: ExcelJS.CellValue }).text, digits);
  return { problem: '无法读取这个单元格的内容' };
}

/** NUL and other control characters PostgreSQL or a screen cannot hold; whitespace at the ends. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();
}

/**
 * The rows of the kind's sheet, by header. 400 naming what is wrong when there is no sheet, no header row, a
 * missing or unknown header, no data row, or more rows than allowed.
 */
export function readSheet(workbook: ExcelJS.Workbook, spec: SheetSpec): ReadSheet {
  const sheets = workbook.worksheets.filter((w) => w.state !== 'veryHidden');
  if (sheets.length === 0) throw fileProblem('工作簿里没有工作表');
  const sheet = sheets.find((w) => w.name.trim() === spec.preferredSheet) ?? sheets[0]!;
  if (sheet.actualRowCount === 0) throw fileProblem(`工作表「${sheet.name}」是空的：第 1 行须为表头（可下载导入模板）`);

  // the header row: the first row with anything in it is row 1 by the template
  const headerRow = sheet.getRow(1);
  const columns = new Map<number, string>();
  const problems: ErrorDetail[] = [];
  const seen = new Map<string, number>();
  headerRow.eachCell({ includeEmpty: false }, (cell, col) => {
    const t = cellText(cell.value, false);
    const header =
      t && 'text' in t
        ? clean(t.text)
            .replace(/\s+/g, '')
            .replace(/[*＊]$/, '')
        : '';
    if (header === '') return;
    if (!spec.headers.includes(header) && !(spec.alsoAccepted?.(header) ?? false)) {
      problems.push({ field: 'file', row: 1, column: header, message: `表头「${header}」不是导入模板中的列（是否写错了？可用的列见“填写说明”）` });
      return;
    }
    const before = seen.get(header);
    if (before !== undefined) {
      problems.push({ field: 'file', row: 1, column: header, message: `表头「${header}」出现了两次（${columnLetter(before)} 列和 ${columnLetter(col)} 列）` });
      return;
    }
    seen.set(header, col);
    columns.set(col, header);
  });
  if (columns.size === 0 && problems.length === 0) throw fileProblem(`工作表「${sheet.name}」的第 1 行没有表头（可下载导入模板）`);
  for (const header of spec.required) {
    if (!seen.has(header)) problems.push({ field: 'file', row: 1, column: header, message: `缺少必填的列「${header}」` });
  }
  if (problems.length > 0) {
    throw new ValidationFailedError(`表头有误：${problems[0]!.message}${problems.length > 1 ? `（另有 ${problems.length - 1} 处）` : ''}。`, problems);
  }

  const last = sheet.actualRowCount > 0 ? sheet.rowCount : 0;
  if (last - 1 > spec.maxRows) {
    // rowCount counts up to the last row with anything in it, formatting included: count real rows only when over
    let real = 0;
    sheet.eachRow({ includeEmpty: false }, () => void real++);
    if (real - 1 > spec.maxRows) throw fileProblem(`一次最多导入 ${spec.maxRows} 行，这个文件有 ${real - 1} 行；请分成几个文件导入`);
  }

  const rows: SheetRow[] = [];
  const cellProblems: ErrorDetail[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, n) => {
    if (n === 1) return;
    const cells = new Map<string, string>();
    const unreadable = new Set<string>();
    row.eachCell({ includeEmpty: false }, (cell, col) => {
      const header = columns.get(col);
      if (header === undefined) return;
      const t = cellText(cell.value, spec.digitColumns.has(header));
      if (t === undefined) return;
      if ('problem' in t) {
        cellProblems.push({ field: `${columnLetter(col)}${n}`, row: n, column: header, message: `${columnLetter(col)}${n}：${t.problem}` });
        unreadable.add(header);
        return;
      }
      const text = clean(t.text);
      if (text !== '') cells.set(header, text);
    });
    if (cells.size > 0 || unreadable.size > 0) rows.push({ row: n, cells, unreadable });
  });
  if (rows.length === 0 && cellProblems.length === 0) throw fileProblem(`工作表「${sheet.name}」只有表头，没有要导入的数据`);
  return { name: sheet.name, rows, cellProblems };
}
