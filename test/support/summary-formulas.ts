/**
 * Test support: evaluates the formulas of a reconciliation Summary ourselves, reading the cells the formula names,
 * so a test can compare the workbook's cached results with what the detail sheets actually hold. Only the shapes
 * the Summary uses are understood; anything else throws, so a new formula cannot pass unchecked.
 */
import type ExcelJS from 'exceljs';

const REF = String.raw`'((?:[^']|'')+)'!([A-Z]+):([A-Z]+)`;
const CRITERION = String.raw`"([A-Za-z0-9_]+)"`;

export function evaluateFormula(workbook: ExcelJS.Workbook, sheet: ExcelJS.Worksheet, formula: string): number {
  let m = new RegExp(`^COUNTA\\(${REF}\\)-1$`).exec(formula);
  if (m) return columnCells(workbook, m[1]!, m[2]!, m[3]!).filter((v) => v !== null && v !== undefined && v !== '').length - 1;

  m = new RegExp(`^(SUMIFS|COUNTIFS)\\((.*)\\)$`).exec(formula);
  if (m) {
    const args = splitArgs(m[2]!);
    const sum = m[1] === 'SUMIFS' ? parseRef(args.shift()!) : undefined;
    const criteria: Array<{ values: unknown[]; equals: string }> = [];
    for (let i = 0; i < args.length; i += 2) {
      const ref = parseRef(args[i]!);
      const c = new RegExp(`^${CRITERION}$`).exec(args[i + 1] ?? '');
      if (!c) throw new Error(`unsupported criterion ${args[i + 1]} in ${formula}`);
      criteria.push({ values: columnCells(workbook, ref.sheet, ref.from, ref.to), equals: c[1]!.toLowerCase() });
    }
    const summed = sum ? columnCells(workbook, sum.sheet, sum.from, sum.to) : undefined;
    const length = Math.max(summed?.length ?? 0, ...criteria.map((c) => c.values.length));
    let total = 0;
    for (let r = 1; r < length; r++) {
      // Excel's criteria match text without case; a number or an empty cell never equals a word.
      const matches = criteria.every((c) => typeof c.values[r] === 'string' && (c.values[r] as string).toLowerCase() === c.equals);
      if (!matches) continue;
      if (!summed) total += 1;
      else if (typeof numberOf(summed[r]) === 'number') total += numberOf(summed[r]) as number;
    }
    return total;
  }

  m = /^SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)$/.exec(formula);
  if (m && m[1] === m[3]) {
    let total = 0;
    for (let r = Number(m[2]); r <= Number(m[4]); r++) {
      const cell = sheet.getCell(`${m[1]}${r}`);
      const value = cell.value as { formula?: string } | number | null;
      if (value && typeof value === 'object' && typeof value.formula === 'string') total += evaluateFormula(workbook, sheet, value.formula);
      else if (typeof value === 'number') total += value;
    }
    return total;
  }
  throw new Error(`unsupported formula ${formula}`);
}

function parseRef(text: string): { sheet: string; from: string; to: string } {
  const m = new RegExp(`^${REF}$`).exec(text);
  if (!m) throw new Error(`unsupported reference ${text}`);
  return { sheet: m[1]!.replace(/''/g, "'"), from: m[2]!, to: m[3]! };
}

function splitArgs(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      current += ch;
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
    } else if (ch === ',') {
      args.push(current);
      current = '';
    } else current += ch;
  }
  args.push(current);
  return args;
}

/** The values of one whole column, index = row number (index 0 unused). */
function columnCells(workbook: ExcelJS.Workbook, sheetName: string, from: string, to: string): unknown[] {
  if (from !== to) throw new Error(`only whole single columns are used, got ${from}:${to}`);
  const sheet = workbook.getWorksheet(sheetName.replace(/''/g, "'"));
  if (!sheet) throw new Error(`the formula names a sheet that does not exist: ${sheetName}`);
  const values: unknown[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, n) => {
    values[n] = row.getCell(from).value;
  });
  return values;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** Every formula cell of a sheet: address, formula, cached result. */
export function formulaCells(sheet: ExcelJS.Worksheet): Array<{ address: string; formula: string; result: unknown }> {
  const cells: Array<{ address: string; formula: string; result: unknown }> = [];
  sheet.eachRow({ includeEmpty: false }, (row) => {
    row.eachCell({ includeEmpty: false }, (cell) => {
      const value = cell.value as { formula?: string; result?: unknown } | null;
      if (value && typeof value === 'object' && 'formula' in value && typeof value.formula === 'string') {
        cells.push({ address: cell.address, formula: value.formula, result: value.result });
      }
    });
  });
  return cells;
}
