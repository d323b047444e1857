import ExcelJS from 'exceljs';
import {
  EXAMPLE_MARK,
  FAMILY_RELATION_NAMES,
  FAMILY_RELATIONS,
  IMPORT_COLUMNS,
  IMPORT_KIND_NAMES,
  LEDGER_TAG_NAMES,
  LEDGER_TAGS,
  MAX_FAMILY_CONTACTS,
  type ImportKind,
} from '@bangbang/shared';
import type { CategoryRow, PlaceRow } from './imports.repo';
import { PlaceIndex } from './rows';

/**
 * The template a person downloads from the import screen: the data sheet (named after the kind, headers in row 1,
 * one example row the import skips), 填写说明 (each column's rule and allowed values), and the lists to choose from:
 * the places of the person's jurisdiction (地区列表) and the services (服务目录).
 */

/** Places listed in the template at most (a county has a few thousand grids; beyond that, names still work). */
const MAX_PLACES_LISTED = 5000;

const TEXT_COLUMNS = /手机|身份证|固定电话/;

export async function buildTemplate(kind: ImportKind, places: readonly PlaceRow[], services: readonly CategoryRow[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = '帮帮团';
  const columns = IMPORT_COLUMNS[kind];
  const sheet = workbook.addWorksheet(IMPORT_KIND_NAMES[kind], { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({
    header: c.header,
    key: c.header,
    width: Math.max(12, c.header.length * 2 + 4, c.example.length * 1.6),
    // phones and ID-card numbers as text: as numbers Excel drops a leading 0 and rounds 18 digits
    ...(TEXT_COLUMNS.test(c.header) ? { style: { numFmt: '@' } } : {}),
  }));
  const header = sheet.getRow(1);
  header.font = { bold: true };
  columns.forEach((c, i) => {
    const cell = header.getCell(i + 1);
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: c.required ? 'FFF8D7DA' : 'FFE9ECEF' } };
    cell.note = `${c.required ? '必填。' : '选填。'}${c.rule}`;
  });

  const place = places.find((p) => p.level === 'grid') ?? places[0];
  const example: Record<string, string> = {};
  for (const c of columns) example[c.header] = c.example;
  if (place) example['所属网格'] = PlaceIndex.label(place);
  if (kind === 'residents') example['身份证号'] = '11010519491231002X';
  if (kind === 'volunteers')
    example['技能'] = services
      .slice(0, 2)
      .map((s) => s.name)
      .join('、');
  const exampleRow = sheet.addRow(columns.map((c) => example[c.header] ?? ''));
  exampleRow.font = { italic: true, color: { argb: 'FF6C757D' } };

  const help = workbook.addWorksheet('填写说明');
  help.columns = [
    { header: '列', key: 'header', width: 16 },
    { header: '是否必填', key: 'required', width: 10 },
    { header: '填写规则和可选值', key: 'rule', width: 90 },
  ];
  help.getRow(1).font = { bold: true };
  for (const c of columns) help.addRow({ header: c.header, required: c.required ? '必填' : '选填', rule: c.rule });
  help.addRow({});
  const notes = [
    `在「${IMPORT_KIND_NAMES[kind]}」工作表中填写，第 1 行是表头，不要改动；每人一行。`,
    `姓名以「${EXAMPLE_MARK}」开头的行是示例，导入时跳过（可以删除）。`,
    '先点“先检查”：列出每一处错误（第几行、哪一列、什么问题）。只要有一处错误，就不会导入任何数据；改正后再导入。',
    '再次导入同一个文件不会重复登记：按手机号（没有手机号时按身份证号）找到已登记的人员并更新；空着的格子不会清除已有的资料。',
    '台账标签可选：' + LEDGER_TAGS.map((t) => LEDGER_TAG_NAMES[t]).join('、'),
    '家属关系可选：' + FAMILY_RELATIONS.map((r) => FAMILY_RELATION_NAMES[r]).join('、'),
    `家属最多 ${MAX_FAMILY_CONTACTS} 位：需要更多时，可添加「家属3姓名」「家属3关系」「家属3手机」等列。`,
    '角色可选：居民、志愿者、网格员、调度员（只能授予低于自己的角色；网格员只能导入居民）。',
    '身份证号只用于识别本人，系统中只显示为 1501**********1234 的形式。',
  ];
  for (const n of notes) help.addRow({ header: '说明', rule: n });
  help.getColumn('rule').alignment = { wrapText: true, vertical: 'top' };

  const placeSheet = workbook.addWorksheet('地区列表');
  placeSheet.columns = [
    { header: '所属网格（可直接复制）', key: 'label', width: 50 },
    { header: '级别', key: 'level', width: 10 },
    { header: '地区编号', key: 'id', width: 38 },
  ];
  placeSheet.getRow(1).font = { bold: true };
  for (const p of places.slice(0, MAX_PLACES_LISTED)) {
    placeSheet.addRow({ label: PlaceIndex.label(p), level: p.level === 'grid' ? '网格' : '社区/村', id: p.id });
  }

  if (kind === 'volunteers') {
    const serviceSheet = workbook.addWorksheet('服务目录');
    serviceSheet.columns = [
      { header: '服务名称', key: 'name', width: 20 },
      { header: '编码', key: 'code', width: 24 },
    ];
    serviceSheet.getRow(1).font = { bold: true };
    for (const s of services) serviceSheet.addRow({ name: s.name, code: s.code });
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
