/**
 * A verify job's files (docs/verify.md): before the first page, the import job's permanent
 * failures (the pairs the source names that must be absent); at the end, the diff report (JSONL and
 * CSV, one row per pair that is not as the source says) and the repair file (one friend_import body
 * per user with the missing and different pairs, ready for `friend-import import`).
 */
import { stringify } from 'csv-stringify/sync';
import { access } from 'node:fs/promises';
import type { LineOutcome } from '../core/jobTypes.js';
import { RunTracker, VerdictMerge, repairBodies } from '../core/verifyMerge.js';
import type { VerifyLineOutcome, VerifyReportRow, VerifyTotals } from '../core/verifyTypes.js';
import { readOutcomes, REPORT_CSV_OPTIONS, writeAtomic } from './importReport.js';
import { isObjectLocation, joinLocation, listFolder, readWhole, removeFile } from './storage/files.js';

const VERIFY_REPORT_COLUMNS = [
  'line',
  'fromAccount',
  'toAccount',
  'differs',
  'expected',
  'found',
  'note',
] as const;

/** Where the import job's permanent failures are kept for the pages. */
export const expectedAbsentFile = (reportDir: string): string =>
  joinLocation(reportDir, 'expected-absent.jsonl');

/** The import job's outcome folder is not there: no retry can help. */
export class NoOutcomesError extends Error {
  override name = 'NoOutcomesError';
}

/**
 * Copies the items an import job recorded as failed with a permanent vendor code (the service
 * refused them for good, so they must be absent) from its outcome files. Throws when the job left
 * no outcome files there (another machine's folder, or a job that never ran a page).
 */
export async function writeExpectedAbsent(
  importReportDir: string,
  reportDir: string,
): Promise<{ permanent: number; lines: number }> {
  const outcomes = joinLocation(importReportDir, 'outcomes');
  // An object store has no folders: outcome files under the prefix are what makes one.
  const present = isObjectLocation(outcomes)
    ? (await listFolder(outcomes)).length > 0
    : await access(outcomes).then(
        () => true,
        () => false,
      );
  if (!present) {
    throw new NoOutcomesError(
      `the import job has no outcome files in ${outcomes} (it never ran a page, or its report folder is on another machine)`,
    );
  }
  const rows: string[] = [];
  let lines = 0;
  for await (const o of readOutcomes<LineOutcome>(importReportDir)) {
    lines++;
    for (const f of o.failed)
      if (f.kind === 'permanent')
        rows.push(
          JSON.stringify({
            line: o.line,
            fromAccount: o.fromAccount,
            toAccount: f.toAccount,
            code: f.code,
            reason: f.reason,
          }),
        );
  }
  await writeAtomic(expectedAbsentFile(reportDir), rows.map((r) => `${r}\n`).join(''));
  return { permanent: rows.length, lines };
}

const cell = (v: unknown): string =>
  v === undefined ? '' : v === null ? 'absent' : typeof v === 'string' ? v : JSON.stringify(v);

function verifyRowsToCsv(rows: readonly VerifyReportRow[]): string {
  return stringify(
    rows.map((r) => [
      String(r.line),
      r.fromAccount,
      r.toAccount,
      r.differs.join('|'),
      cell(r.expected),
      cell(r.found),
      r.note ?? '',
    ]),
    { ...REPORT_CSV_OPTIONS, columns: [...VERIFY_REPORT_COLUMNS] },
  );
}

/** Merges the outcome files (each pair once), writes the report and the repair file, and counts. */
export async function finalizeVerifyReport(files: {
  reportDir: string;
  reportJsonl: string;
  reportCsv: string;
  repairJsonl: string;
}): Promise<VerifyTotals> {
  const runs = new RunTracker();
  for await (const o of readOutcomes<VerifyLineOutcome>(files.reportDir)) runs.add(o);
  const merge = new VerdictMerge(runs.split);
  for await (const o of readOutcomes<VerifyLineOutcome>(files.reportDir)) merge.add(o);
  const { counters, rows, repair } = merge.result();
  counters.users = runs.users;
  await writeAtomic(files.reportJsonl, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  await writeAtomic(files.reportCsv, verifyRowsToCsv(rows));
  const bodies = repairBodies(repair);
  if (bodies.length > 0)
    await writeAtomic(files.repairJsonl, bodies.map((b) => `${JSON.stringify(b)}\n`).join(''));
  else await removeFile(files.repairJsonl);
  return { counters, rows: rows.length, repairItems: [...repair.values()].reduce((n, i) => n + i.length, 0) };
}

/** The report's rows (for `friend-import report` on a verify job). */
export async function readVerifyRows(reportJsonl: string): Promise<VerifyReportRow[]> {
  return (await readWhole(reportJsonl))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as VerifyReportRow);
}
