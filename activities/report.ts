/**
 * The failure report (product.md §5): one row per failed item with the input line, the accounts,
 * the code, the reason and its kind, as JSONL and CSV. Rows are written in parts as the job runs
 * (each part under a fixed name, so a retried write replaces itself) and merged, sorted by line,
 * at the end.
 */
import { stringify } from 'csv-stringify/sync';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ReportRow } from '../workflows/bulkTypes.js';

export const REPORT_COLUMNS = ['line', 'fromAccount', 'toAccount', 'code', 'reason', 'kind'] as const;

async function writeAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}

const partsDir = (reportDir: string): string => join(reportDir, 'parts');

export async function writePart(reportDir: string, name: string, rows: readonly ReportRow[]): Promise<void> {
  if (rows.length === 0) return;
  await writeAtomic(join(partsDir(reportDir), name), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

export function compareRows(a: ReportRow, b: ReportRow): number {
  return (
    a.line - b.line ||
    a.fromAccount.localeCompare(b.fromAccount) ||
    a.toAccount.localeCompare(b.toAccount) ||
    String(a.code).localeCompare(String(b.code))
  );
}

export async function readReportRows(reportDir: string): Promise<ReportRow[]> {
  const names = await readdir(partsDir(reportDir)).catch(() => [] as string[]);
  const rows: ReportRow[] = [];
  for (const name of names.filter((n) => n.endsWith('.jsonl')).sort()) {
    const text = await readFile(join(partsDir(reportDir), name), 'utf8');
    for (const line of text.split('\n')) if (line) rows.push(JSON.parse(line) as ReportRow);
  }
  return rows.sort(compareRows);
}

export function rowsToCsv(rows: readonly ReportRow[]): string {
  return stringify(
    rows.map((r) => REPORT_COLUMNS.map((c) => String(r[c]))),
    { header: true, columns: [...REPORT_COLUMNS] },
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
