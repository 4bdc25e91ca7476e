/**
 * A bulk job's outcome files and its failure report (docs/cli.md, the report). Each page writes
 * its settled lines in numbered outcome files (`outcomes/p000001-000001.jsonl`: one JSON line per
 * input line, with the friends imported and the items that failed), each under a fixed name and
 * replaced atomically, so a page that runs twice leaves one outcome per item. At the end the
 * failures are merged, sorted by line, into the report's JSONL and CSV.
 */
import { stringify } from 'csv-stringify/sync';
import type { LineOutcome, ReportRow } from '../core/jobTypes.js';
import { joinLocation, listFolder, readWhole, removeFile, writeWhole } from './storage/files.js';

export const REPORT_COLUMNS = ['line', 'fromAccount', 'toAccount', 'code', 'reason', 'kind'] as const;

/** Replaces a file (or an `s3://` object) whole: a reader sees the old content or the new. */
export async function writeAtomic(path: string, content: string): Promise<void> {
  await writeWhole(path, content);
}

const outcomesDir = (reportDir: string): string => joinLocation(reportDir, 'outcomes');
const pad = (n: number): string => String(n).padStart(6, '0');
const fileName = (page: number, segment: number): string => `p${pad(page)}-${pad(segment)}.jsonl`;
const NAME = /^p(\d{6})-(\d{6})\.jsonl$/;

/**
 * Writes one outcome file of a page (replacing one a crashed attempt may have left). A verify job's
 * pages write their own kind of line (core/verifyTypes.ts) under the same names and rules.
 */
export async function writeOutcomes(
  reportDir: string,
  page: number,
  segment: number,
  lines: readonly object[],
): Promise<void> {
  await writeAtomic(
    joinLocation(outcomesDir(reportDir), fileName(page, segment)),
    lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
  );
}

/** Removes a page's outcome files after `keep` (written by an attempt whose checkpoint never arrived). */
export async function dropOutcomesAfter(reportDir: string, page: number, keep: number): Promise<number> {
  const names = await listFolder(outcomesDir(reportDir));
  let dropped = 0;
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m || Number(m[1]) !== page || Number(m[2]) <= keep) continue;
    await removeFile(joinLocation(outcomesDir(reportDir), name));
    dropped++;
  }
  return dropped;
}

/**
 * Every outcome line of the job so far, in page and file order (`T`: a verify job's lines); `wanted`
 * skips lines by their text before they are parsed.
 */
export async function* readOutcomes<T = LineOutcome>(
  reportDir: string,
  wanted: (line: string) => boolean = () => true,
): AsyncGenerator<T> {
  const names = (await listFolder(outcomesDir(reportDir))).filter((n) => NAME.test(n)).sort();
  for (const name of names) {
    const text = await readWhole(joinLocation(outcomesDir(reportDir), name));
    for (const line of text.split('\n')) if (line && wanted(line)) yield JSON.parse(line) as T;
  }
}

// JSON escapes every quote inside a string, so these texts can only be a line's own top-level
// fields: lines without failures (most, and the longest) or of other users are skipped unparsed.
const hasFailures = (line: string): boolean => !line.includes('"failed":[]');
const ofUser =
  (fromAccount: string) =>
  (line: string): boolean =>
    line.includes(`"fromAccount":${JSON.stringify(fromAccount)}`);

function compareRows(a: ReportRow, b: ReportRow): number {
  return (
    a.line - b.line ||
    a.fromAccount.localeCompare(b.fromAccount) ||
    a.toAccount.localeCompare(b.toAccount) ||
    String(a.code).localeCompare(String(b.code))
  );
}

/** The failure rows of one outcome line. */
function rowsOf(o: LineOutcome): ReportRow[] {
  return o.failed.map((f) => ({ line: o.line, fromAccount: o.fromAccount, ...f }));
}

/** The failure rows written so far, sorted by line. */
export async function readReportRows(reportDir: string): Promise<ReportRow[]> {
  const rows: ReportRow[] = [];
  for await (const o of readOutcomes(reportDir, hasFailures)) rows.push(...rowsOf(o));
  return rows.sort(compareRows);
}

/** One user's outcomes in a job: every line of theirs, with what was imported and what failed. */
export async function userOutcomes(reportDir: string, fromAccount: string): Promise<LineOutcome[]> {
  const out: LineOutcome[] = [];
  for await (const o of readOutcomes(reportDir, ofUser(fromAccount)))
    if (o.fromAccount === fromAccount) out.push(o);
  return out.sort((a, b) => a.line - b.line);
}

/**
 * How reports are written as CSV: a cell that a spreadsheet would run as a formula (it starts with
 * `=`, `+`, `-`, `@`, a tab or a carriage return, as account IDs and reasons from a file may) gets
 * a leading `'` and shows as text; the JSONL beside it keeps every value exactly.
 */
export const REPORT_CSV_OPTIONS = { header: true, escape_formulas: true } as const;

function rowsToCsv(rows: readonly ReportRow[]): string {
  return stringify(
    rows.map((r) => REPORT_COLUMNS.map((c) => String(r[c]))),
    { ...REPORT_CSV_OPTIONS, columns: [...REPORT_COLUMNS] },
  );
}

export async function finalizeReport(
  reportDir: string,
  reportJsonl: string,
  reportCsv: string,
): Promise<{ rows: number }> {
  const rows = await readReportRows(reportDir);
  await writeAtomic(reportJsonl, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  await writeAtomic(reportCsv, rowsToCsv(rows));
  return { rows: rows.length };
}
