/**
 * Reads a JSONL or CSV source as a stream of records from a cursor, each with the cursor where it
 * starts and the one after it, so a reader can stop and resume anywhere and memory holds one line
 * at a time. CSV records are one per line (a field cannot span lines), so bad quoting on one line
 * never swallows the lines after it. See docs/cli.md for the formats.
 */
import type { PageRecord } from '../../core/pageBook.js';
import type { SourceCursor, SourceFormat } from '../../core/jobTypes.js';
import { sourceLines } from './lines.js';
import type { ChunkOptions } from './chunks.js';
import { parseCsvHeader, parseCsvRecord, parseJsonlRecord, unusableLine } from './records.js';

export const START: SourceCursor = { offset: 0, line: 1 };

export class SourceError extends Error {
  override name = 'SourceError';
}

export interface SourceRecord {
  record: PageRecord;
  start: SourceCursor;
  next: SourceCursor;
}

/**
 * Every record from `cursor` to the end of the file or object (a CSV header is read, not
 * yielded); `chunks` names the object's ETag the job started with (./chunks.ts).
 */
export async function* readRecords(
  path: string,
  format: SourceFormat,
  cursor: SourceCursor,
  chunks: ChunkOptions = {},
): AsyncGenerator<SourceRecord> {
  let columns = cursor.columns;
  const withColumns = (offset: number, line: number): SourceCursor =>
    columns ? { offset, line, columns } : { offset, line };
  let sawHeader = columns !== undefined;
  for await (const line of sourceLines(path, { ...chunks, start: cursor.offset, firstLine: cursor.line })) {
    if (format === 'csv' && !columns) {
      if (line.error) throw new SourceError(`line ${line.lineNo}: the CSV header ${line.error}`);
      columns = headerOrThrow(line.text ?? '', line.lineNo);
      sawHeader = true;
      continue;
    }
    const record = line.error
      ? unusableLine(line.lineNo, line.error)
      : format === 'csv'
        ? parseCsvRecord(columns ?? [], line.text ?? '', line.lineNo)
        : parseJsonlRecord(line.text ?? '', line.lineNo);
    yield {
      record,
      start: withColumns(line.start, line.lineNo),
      next: withColumns(line.end, line.lineNo + 1),
    };
  }
  if (format === 'csv' && !sawHeader) throw new SourceError('the CSV file is empty: it needs a header line');
}

/** Reads the CSV header (line 1) of `path`; throws a SourceError that names the problem. */
export async function readCsvHeader(path: string): Promise<string[]> {
  for await (const line of sourceLines(path, { start: 0, firstLine: 1 })) {
    if (line.error) throw new SourceError(`line ${line.lineNo}: the CSV header ${line.error}`);
    return headerOrThrow(line.text ?? '', line.lineNo);
  }
  throw new SourceError('the CSV file is empty: it needs a header line');
}

function headerOrThrow(text: string, lineNo: number): string[] {
  try {
    return parseCsvHeader(text);
  } catch (err) {
    throw new SourceError(`line ${lineNo}: ${(err as Error).message}`);
  }
}
