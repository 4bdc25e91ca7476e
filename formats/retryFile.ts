/**
 * A job's retry file (docs/cli.md, the retry file): the items a re-run could change, in the
 * input's own format with every field the input gave them, so `friend-import import` takes it as
 * it takes any file. JSONL: one friend_import body per input line that has such items (only those
 * items); CSV: the input's header, then each such row as the input wrote it. The items are picked
 * by core/retryable.ts from the job's outcome files, then read again from the source.
 */
import type { LineOutcome, SourceFormat } from '../core/jobTypes.js';
import { isRetryable, retryKey, RetryCollector, type RetrySelection } from '../core/retryable.js';
import type { AddFriendItem } from '../im/schemas.js';
import { readOutcomes } from './importReport.js';
import type { ChunkOptions } from './source/chunks.js';
import { sourceLines } from './source/lines.js';
import { parseCsvHeader, parseCsvRecord, parseJsonlRecord } from './source/records.js';
import { SourceError } from './source/stream.js';
import { readWhole, writeWhole } from './storage/files.js';

export interface RetryFileSource {
  path: string;
  format: SourceFormat;
}

export interface RetryFileResult {
  retryFile: string;
  /** Items in the file (a JSONL line holds one or more). */
  retryItems: number;
}

/**
 * Where a job's retry file goes, beside its report: `retry.jsonl` / `retry.csv` next to a report
 * named `report.jsonl` (the default); else the report's name with `.retry.jsonl` / `.retry.csv`,
 * so jobs that share a folder keep their own.
 */
export function retryFilePath(reportJsonl: string, format: SourceFormat): string {
  const base = reportJsonl.replace(/\.jsonl$/i, '');
  const cut = base.lastIndexOf('/') + 1;
  return base.slice(cut) === 'report' ? `${base.slice(0, cut)}retry.${format}` : `${base}.retry.${format}`;
}

// The top-level `"line":N` a page writes first in every outcome line (core/pageBook.ts); JSON
// escapes quotes inside strings, so an account name cannot spell it at the start.
const LINE_AT_START = /^\{"line":(\d+),/;

/**
 * Where a job stopped reading its source: `eof`, or the line its next page would start at. Known,
 * it says which lines were never read (and whether the source need be read when nothing failed).
 */
export interface ReadTo {
  eof: boolean;
  line: number;
}

/**
 * The retryable items of a job's outcome files, and the last line the job read: from `readTo`
 * when known, else the last line with an outcome (then lines after it count as unread).
 */
export async function retrySelection(reportDir: string, readTo?: ReadTo): Promise<RetrySelection> {
  const keys = new Set<string>();
  let last = 0;
  const failing = (text: string): boolean => {
    const m = LINE_AT_START.exec(text);
    if (m) last = Math.max(last, Number(m[1]));
    return !m || !text.includes('"failed":[]');
  };
  for await (const o of readOutcomes<LineOutcome>(reportDir, failing)) {
    last = Math.max(last, o.line);
    for (const f of o.failed) if (isRetryable(f)) keys.add(retryKey(o.line, o.fromAccount, f.toAccount));
  }
  const readThrough = readTo?.eof ? Infinity : readTo ? Math.max(last, readTo.line - 1) : last;
  return { keys, readThrough };
}

export interface WriteRetryFileInput {
  source: RetryFileSource;
  /** A job's report folder (its outcome files), or the selection already made from them. */
  outcomesDir?: string;
  /** With `outcomesDir`: where the job stopped reading, when known. */
  readTo?: ReadTo;
  selection?: RetrySelection;
  /** Where the file goes: a path or an `s3://` location (replaced whole). */
  target: string;
  /** How the source is read (an `s3://` source's ETag: the version the job read). */
  chunks?: ChunkOptions;
}

/**
 * Writes the retry file (always: with no item it is empty, a CSV just its header). Reads the
 * source once, to its end (a later row for the same pair drops an earlier one: core/retryable.ts);
 * when nothing is retryable and the job read every line, the source is not read at all.
 */
export async function writeRetryFile(input: WriteRetryFileInput): Promise<RetryFileResult> {
  const content = await buildRetryFile(input);
  await writeWhole(input.target, content.text);
  return { retryFile: input.target, retryItems: content.items };
}

/** The retry file's text and item count (reads the outcome files and the source; writes nothing). */
export async function buildRetryFile(input: WriteRetryFileInput): Promise<{ text: string; items: number }> {
  const selection =
    input.selection ??
    (input.outcomesDir !== undefined ? await retrySelection(input.outcomesDir, input.readTo) : undefined);
  if (!selection) throw new Error('a retry file needs the outcome files or a selection');
  return input.source.format === 'csv' ? csvContent(input, selection) : jsonlContent(input, selection);
}

const lines = (input: WriteRetryFileInput) =>
  sourceLines(input.source.path, { ...input.chunks, start: 0, firstLine: 1 });

/** The job read every line and nothing is retryable: the source need not be read. */
const nothingToDo = (selection: RetrySelection): boolean =>
  selection.keys.size === 0 && selection.readThrough === Infinity;

async function jsonlContent(
  input: WriteRetryFileInput,
  selection: RetrySelection,
): Promise<{ text: string; items: number }> {
  if (nothingToDo(selection)) return { text: '', items: 0 };
  const collector = new RetryCollector<AddFriendItem>(selection);
  for await (const line of lines(input)) {
    if (line.error) continue;
    const record = parseJsonlRecord(line.text ?? '', line.lineNo);
    const from = record.fromAccount ?? '';
    for (const { item } of record.items) collector.offer(line.lineNo, from, item.To_Account, item);
  }
  const out: string[] = [];
  let items = 0;
  let group: { line: number; body: { From_Account: string; AddFriendItem: AddFriendItem[] } } | undefined;
  for (const kept of collector.kept()) {
    items++;
    if (group?.line === kept.line) {
      group.body.AddFriendItem.push(kept.value);
      continue;
    }
    if (group) out.push(JSON.stringify(group.body));
    group = { line: kept.line, body: { From_Account: kept.fromAccount, AddFriendItem: [kept.value] } };
  }
  if (group) out.push(JSON.stringify(group.body));
  return { text: out.map((l) => `${l}\n`).join(''), items };
}

async function csvContent(
  input: WriteRetryFileInput,
  selection: RetrySelection,
): Promise<{ text: string; items: number }> {
  const collector = new RetryCollector<string>(selection);
  let header: { text: string; columns: string[] } | undefined;
  const skip = nothingToDo(selection);
  for await (const line of lines(input)) {
    if (!header) {
      if (line.error) throw new SourceError(`line ${line.lineNo}: the CSV header ${line.error}`);
      header = { text: line.text ?? '', columns: parseCsvHeader(line.text ?? '') };
      if (skip) break;
      continue;
    }
    if (line.error) continue;
    const record = parseCsvRecord(header.columns, line.text ?? '', line.lineNo);
    const from = record.fromAccount ?? '';
    // A row as the input wrote it: its quoting, GroupName escapes and tag columns unchanged.
    for (const { item } of record.items) collector.offer(line.lineNo, from, item.To_Account, line.text ?? '');
  }
  if (!header) throw new SourceError('the CSV file is empty: it needs a header line');
  const rows = collector.kept();
  return {
    text: [header.text, ...rows.map((r) => r.value)].map((l) => `${l}\n`).join(''),
    items: rows.length,
  };
}

/**
 * The items in a retry file (a JSONL line's AddFriendItem, a CSV's rows after the header), or
 * undefined when it cannot be read: what a summary says when the job's result does not.
 */
export async function countRetryItems(location: string, format: SourceFormat): Promise<number | undefined> {
  let text: string;
  try {
    text = await readWhole(location);
  } catch {
    return undefined;
  }
  const rows = text.split('\n').filter((l) => l !== '');
  if (format === 'csv') return Math.max(0, rows.length - 1);
  let items = 0;
  for (const row of rows) {
    try {
      const body = JSON.parse(row) as { AddFriendItem?: unknown };
      if (Array.isArray(body.AddFriendItem)) items += body.AddFriendItem.length;
    } catch {
      return undefined;
    }
  }
  return items;
}
