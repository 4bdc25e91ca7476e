/**
 * Reads one page of a JSONL or CSV source from a cursor: the records, grouped by user in file
 * order, and a row for everything that cannot be imported. A page ends at the line, item or user
 * limit, so the bulk job decides how many users enter flight at once.
 *
 * CSV records are one per line (a field cannot span lines), so bad quoting on one line never
 * swallows the lines after it.
 */
import type { AddFriendItem } from '../../im/schemas.js';
import type { ReportRow, SourceCursor, SourceFormat } from '../../workflows/bulkTypes.js';
import { readLines } from './lines.js';
import {
  parseCsvHeader,
  parseCsvRecord,
  parseJsonlRecord,
  unusableLine,
  type ParsedRecord,
} from './records.js';

export interface PageLimits {
  maxLines: number;
  /** Distinct users the page may hold (the job's free in-flight slots). */
  maxUsers: number;
  maxItems: number;
}

export interface UserItems {
  fromAccount: string;
  items: { ref: number; item: AddFriendItem }[];
}

export interface Page {
  startLine: number;
  next: SourceCursor;
  eof: boolean;
  lines: number;
  /** Items read, valid or not (one per unusable line). */
  itemCount: number;
  users: UserItems[];
  rejections: ReportRow[];
}

export const START: SourceCursor = { offset: 0, line: 1 };

export class SourceError extends Error {
  override name = 'SourceError';
}

export async function readPage(
  path: string,
  format: SourceFormat,
  cursor: SourceCursor,
  limits: PageLimits,
): Promise<Page> {
  const page: Page = {
    startLine: cursor.line,
    next: { ...cursor },
    eof: true,
    lines: 0,
    itemCount: 0,
    users: [],
    rejections: [],
  };
  const byUser = new Map<string, UserItems>();
  let columns = cursor.columns;
  let lastFrom: string | undefined;

  for await (const line of readLines(path, { start: cursor.offset, firstLine: cursor.line })) {
    if (format === 'csv' && !columns) {
      if (line.error) throw new SourceError(`line ${line.lineNo}: the CSV header ${line.error}`);
      columns = parseCsvHeaderOrThrow(line.text ?? '', line.lineNo);
      page.next = { offset: line.end, line: line.lineNo + 1, columns };
      continue;
    }
    const record: ParsedRecord = line.error
      ? unusableLine(line.lineNo, line.error)
      : format === 'csv'
        ? parseCsvRecord(columns ?? [], line.text ?? '', line.lineNo)
        : parseJsonlRecord(line.text ?? '', line.lineNo);

    const from = record.items.length > 0 ? record.fromAccount : undefined;
    const newUser = from !== undefined && !byUser.has(from);
    // A page ends at a user boundary when it can, so a user's consecutive rows (CSV) travel together.
    const sameUserAsLast = from !== undefined && from === lastFrom && page.lines < limits.maxLines * 4;
    const full =
      (!sameUserAsLast && (page.lines >= limits.maxLines || page.itemCount >= limits.maxItems)) ||
      (newUser && byUser.size >= limits.maxUsers);
    if (full && page.lines > 0) {
      page.eof = false;
      break;
    }
    if (from !== undefined) lastFrom = from;
    page.lines++;
    page.itemCount += record.itemCount;
    page.rejections.push(...record.rejections);
    if (from !== undefined) {
      const user = byUser.get(from) ?? { fromAccount: from, items: [] };
      user.items.push(...record.items);
      byUser.set(from, user);
    }
    page.next = { offset: line.end, line: line.lineNo + 1, ...(columns ? { columns } : {}) };
  }
  if (format === 'csv' && !columns) throw new SourceError('the CSV file is empty: it needs a header line');
  page.users = [...byUser.values()];
  return page;
}

function parseCsvHeaderOrThrow(text: string, lineNo: number): string[] {
  try {
    return parseCsvHeader(text);
  } catch (err) {
    throw new SourceError(`line ${lineNo}: ${(err as Error).message}`);
  }
}
