/**
 * Turns input records into friend_import items, or into report rows that say which line and field
 * is wrong (docs/cli.md, input formats; validated input). Pure: the bulk job's reader and
 * `--dry-run` share it.
 *
 * JSONL: one friend_import request body per line. CSV: a header, then one friend per row —
 * From_Account,To_Account,AddSource,Remark,RemarkTime,GroupName,AddWording,AddTime, GroupName
 * values separated by `|` (`\|` within a name), and one column per custom tag named by the tag.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import {
  CUSTOM_TAG_PATTERN,
  checkFriendImportBody,
  checkFriendItem,
  type Violation,
} from '../../im/limits.js';
import type { AddFriendItem } from '../../im/schemas.js';
import type { ReportRow } from '../../core/jobTypes.js';

interface ParsedRecord {
  line: number;
  fromAccount?: string;
  items: { ref: number; item: AddFriendItem }[];
  rejections: ReportRow[];
  /** Items the record held (valid or not); 1 for an unusable line. */
  itemCount: number;
}

const reject = (line: number, fromAccount: string, toAccount: string, reason: string): ReportRow => ({
  line,
  fromAccount,
  toAccount,
  code: 'rejected',
  reason,
  kind: 'rejected',
});

/** The reason a report row gives for broken rules: `AddFriendItem[2].Remark is 97 bytes; …`. */
export const violationText = (violations: Violation[]): string =>
  violations.map((v) => `${v.path} ${v.reason}`).join('; ');
const describe = violationText;

/** A line that holds no usable record at all. */
export function unusableLine(line: number, reason: string): ParsedRecord {
  return { line, items: [], rejections: [reject(line, '', '', reason)], itemCount: 1 };
}

export function parseJsonlRecord(text: string, line: number): ParsedRecord {
  if (text.trim() === '') return unusableLine(line, 'line is empty');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return unusableLine(line, `is not valid JSON (${(err as Error).message})`);
  }
  const check = checkFriendImportBody(body);
  const rawFrom = (body as { From_Account?: unknown } | null)?.From_Account;
  const from = typeof rawFrom === 'string' ? rawFrom : '';
  if (check.items.length === 0) {
    const reason =
      check.bodyViolations.length > 0 ? describe(check.bodyViolations) : 'AddFriendItem is empty';
    return {
      line,
      fromAccount: check.fromAccount,
      items: [],
      rejections: [reject(line, from, '', reason)],
      itemCount: 1,
    };
  }
  const out: ParsedRecord = {
    line,
    fromAccount: check.fromAccount,
    items: [],
    rejections: [],
    itemCount: check.items.length,
  };
  const rawItems = (body as { AddFriendItem: unknown[] }).AddFriendItem;
  check.items.forEach((item, i) => {
    const to = (rawItems[i] as { To_Account?: unknown } | null)?.To_Account;
    const toAccount = typeof to === 'string' ? to : '';
    if (check.bodyViolations.length > 0 || !check.fromAccount)
      out.rejections.push(reject(line, from, toAccount, describe(check.bodyViolations)));
    else if (!item.ok) out.rejections.push(reject(line, from, toAccount, describe(item.violations)));
    else out.items.push({ ref: line, item: item.item });
  });
  return out;
}

export const CSV_STANDARD_COLUMNS = [
  'From_Account',
  'To_Account',
  'AddSource',
  'Remark',
  'RemarkTime',
  'GroupName',
  'AddWording',
  'AddTime',
] as const;
const REQUIRED_COLUMNS = ['From_Account', 'To_Account', 'AddSource'];

/** Parses one CSV record's text into fields; throws csv-parse's error for bad quoting. */
function csvFields(text: string): string[] {
  const rows: string[][] = parseCsv(text, { relax_column_count: true, skip_empty_lines: false });
  if (rows.length !== 1 || !rows[0])
    throw new Error(`holds ${rows.length} CSV records where one was expected`);
  return rows[0];
}

/** Reads the header; a bad header makes the whole file unreadable, so it throws a clear message. */
export function parseCsvHeader(text: string): string[] {
  let columns: string[];
  try {
    columns = csvFields(text).map((c) => c.trim());
  } catch (err) {
    throw new Error(`the CSV header cannot be parsed: ${(err as Error).message}`);
  }
  const unknown = columns.filter(
    (c) => !(CSV_STANDARD_COLUMNS as readonly string[]).includes(c) && !CUSTOM_TAG_PATTERN.test(c),
  );
  if (unknown.length > 0)
    throw new Error(
      `the CSV header has unknown column(s) ${unknown.join(', ')}; expected ${CSV_STANDARD_COLUMNS.join(',')} and Tag_SNS_Custom_* tag columns`,
    );
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0)
    throw new Error(`the CSV header lacks the required column(s) ${missing.join(', ')}`);
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new Error(`the CSV header names the column ${c} twice`);
    seen.add(c);
  }
  return columns;
}

function integerCell(value: string, column: string, violations: Violation[]): number | undefined {
  if (!/^\d+$/.test(value.trim())) {
    violations.push({
      path: column,
      reason: `must be a whole number, got ${JSON.stringify(value.slice(0, 40))}`,
    });
    return undefined;
  }
  return Number(value.trim());
}

/** csv-parse counts lines from the text it was given (the row): say them as lines of the file. */
function fileLines(message: string, firstLine: number): string {
  return message.replace(/\bat line (\d+)/g, (_, n: string) => `at line ${firstLine + Number(n) - 1}`);
}

/**
 * A CSV GroupName cell as its groups: separated by `|`; `\|` is a `|` within a name and `\\` a
 * backslash (any other backslash is itself).
 */
export function groupNames(cell: string): string[] {
  const groups: string[] = [];
  let name = '';
  for (let i = 0; i < cell.length; i++) {
    const c = cell[i];
    const next = cell[i + 1];
    if (c === '\\' && (next === '|' || next === '\\')) {
      name += next;
      i++;
    } else if (c === '|') {
      groups.push(name);
      name = '';
    } else name += c;
  }
  groups.push(name);
  return groups;
}

/** The GroupName cell that `groupNames` reads back as `groups`. */
export function groupCell(groups: readonly string[]): string {
  return groups.map((g) => g.replace(/[\\|]/g, (c) => `\\${c}`)).join('|');
}

export function parseCsvRecord(columns: readonly string[], text: string, line: number): ParsedRecord {
  if (text.trim() === '') return unusableLine(line, 'line is empty');
  let fields: string[];
  try {
    fields = csvFields(text);
  } catch (err) {
    return unusableLine(line, `is not a valid CSV row (${fileLines((err as Error).message, line)})`);
  }
  const cell = (name: string): string => fields[columns.indexOf(name)] ?? '';
  const from = cell('From_Account');
  const to = cell('To_Account');
  if (fields.length !== columns.length)
    return {
      line,
      items: [],
      rejections: [
        reject(line, from, to, `row has ${fields.length} fields; the header has ${columns.length}`),
      ],
      itemCount: 1,
    };
  const violations: Violation[] = [];
  const item: Record<string, unknown> = { To_Account: to, AddSource: cell('AddSource') };
  const text_ = (name: 'Remark' | 'AddWording') => {
    if (columns.includes(name) && cell(name) !== '') item[name] = cell(name);
  };
  text_('Remark');
  text_('AddWording');
  for (const name of ['RemarkTime', 'AddTime'] as const)
    if (columns.includes(name) && cell(name) !== '') item[name] = integerCell(cell(name), name, violations);
  if (columns.includes('GroupName') && cell('GroupName') !== '')
    item.GroupName = groupNames(cell('GroupName'));
  const custom = columns
    .filter((c) => CUSTOM_TAG_PATTERN.test(c) && cell(c) !== '')
    .map((c) => ({ Tag: c, Value: cell(c) }));
  if (custom.length > 0) item.CustomItem = custom;

  const fromViolations = checkFriendImportBody({
    From_Account: from,
    AddFriendItem: [],
  }).bodyViolations.filter((v) => v.path === 'From_Account');
  const check = checkFriendItem(item, from);
  violations.push(...fromViolations, ...(check.ok ? [] : check.violations));
  if (violations.length > 0 || !check.ok)
    return {
      line,
      fromAccount: from,
      items: [],
      rejections: [reject(line, from, to, describe(violations))],
      itemCount: 1,
    };
  return { line, fromAccount: from, items: [{ ref: line, item: check.item }], rejections: [], itemCount: 1 };
}
