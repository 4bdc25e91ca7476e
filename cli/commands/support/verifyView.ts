/**
 * A verify job as the CLI shows it (docs/verify.md): its summary (`verify --json`, `status --json`),
 * the exit code it maps to, its human form, live progress, and its report rows.
 */
import type { JobProgress } from '../../../core/jobTypes.js';
import {
  emptyVerifyCounters,
  type VerifyCounters,
  type VerifyProgress,
  type VerifyReportRow,
  type WriterSeen,
} from '../../../core/verifyTypes.js';
import type { VerifyJobHandle } from '../../../client/verifyJobs.js';
import { count, duration, pick } from './format.js';
import { follow, summaryNow, type FollowOptions, type JobLook } from './jobView.js';
import { createJobProgressView, estimate, type Estimate, type ProgressLook } from './progress.js';
import {
  exitCodeFor,
  isFinished,
  NOT_RUNNING,
  runJson,
  summaryBasis,
  type JobRunJson,
  type SummaryOverride,
} from './summary.js';

/** The summary of a verify job: its counters (`unexpected` as `unexpectedPresent`) and more. */
export interface VerifySummaryJson extends Omit<VerifyCounters, 'unexpected'>, JobRunJson {
  kind: 'verify';
  file: string | null;
  format: string | null;
  /** Fields were compared (friend_get), not only existence (friend_check). */
  fields: boolean;
  importJobId: string | null;
  unexpectedPresent: number;
  /** Pairs the import job failed with a permanent code (expected absent). */
  expectedAbsentFromJob: number | null;
  /** The missing and different pairs as friend_import bodies (null: nothing to repair). */
  repairJsonl: string | null;
  repairItems: number;
  repairJobId: string | null;
  /** Imports that held users of this verify while it read them. */
  writers: WriterSeen[];
  /** Some answers may be stale: an import wrote users while they were read. */
  movingTarget: boolean;
  repairError?: string;
}

function verifySummary(
  jobId: string,
  workflowId: string,
  known: VerifyProgress | undefined,
  override: SummaryOverride = {},
): VerifySummaryJson {
  const nothing = { ...emptyVerifyCounters(), ...NOT_RUNNING, writers: [] as WriterSeen[] };
  const { p, status, error } = summaryBasis(known, nothing, override);
  const repairItems = known?.repairItems ?? 0;
  return {
    kind: 'verify',
    jobId,
    workflowId,
    status,
    file: known?.file ?? null,
    format: known?.format ?? null,
    fields: known?.fields ?? false,
    importJobId: known?.importJobId ?? null,
    ...pick(p, 'lines', 'users', 'items', 'pairs', 'present', 'different', 'missing', 'absent'),
    unexpectedPresent: p.unexpected,
    unchecked: p.unchecked,
    byField: { ...p.byField },
    expectedAbsentFromJob: known?.expectedAbsentFromJob ?? null,
    calls: p.calls,
    ...runJson(p, known),
    repairJsonl: repairItems > 0 ? (known?.repairJsonl ?? null) : null,
    repairItems,
    repairJobId: known?.repairJobId ?? null,
    writers: p.writers,
    movingTarget: p.writers.length > 0,
    ...(error !== undefined && { error }),
    ...(known?.repairError !== undefined && { repairError: known.repairError }),
  };
}

export const differencesOf = (
  s: Pick<VerifySummaryJson, 'missing' | 'different' | 'unexpectedPresent' | 'unchecked'>,
): number => s.missing + s.different + s.unexpectedPresent + s.unchecked;

/** 0 everything as expected · 3 differences · 4 cancelled · 1 failed (errors.ts has them all). */
export function verifyExitCode(s: VerifySummaryJson): number {
  return exitCodeFor({ status: s.status, failed: differencesOf(s) });
}

/** `Remark ×2, GroupName ×1`. */
const fieldCounts = (byField: Record<string, number>): string =>
  Object.entries(byField)
    .sort(([, a], [, b]) => b - a)
    .map(([f, n]) => `${f} ×${count(n)}`)
    .join(', ');

/** One writer in words. */
function writerLine(w: WriterSeen): string {
  const who =
    w.kind === 'job'
      ? `import job ${w.jobId ?? w.holder}`
      : w.kind === 'service'
        ? `service-path imports (${w.holder})`
        : w.holder;
  const sample =
    w.sample.length > 0 ? ` (${w.sample.join(', ')}${w.users > w.sample.length ? ', …' : ''})` : '';
  return `${who} held ${count(w.users)} of the users read${w.blanket ? ' (all users it did not share)' : ''}${sample}`;
}

export function formatVerifySummary(s: VerifySummaryJson): string {
  const finished = isFinished(s.status);
  const what = `${s.file ?? ''}${s.fields ? ' (fields compared)' : ' (existence)'}`;
  const head = finished
    ? `Verify ${s.jobId} ${s.status} in ${duration(s.elapsedMs)}: ${what}`
    : `Verify ${s.jobId} is ${s.status} (${duration(s.elapsedMs)} so far, ${count(s.inFlight, 'call')} in flight): ${what}`;
  const api = s.fields ? 'friend_get' : 'friend_check';
  const lines = [
    head,
    `  read        ${count(s.lines, 'line')} · ${count(s.users, 'user')} · ${count(s.pairs, 'pair')} checked`,
    `  present     ${count(s.present)} as expected`,
    `  absent      ${count(s.absent)} as expected (rejected rows${s.importJobId ? `, failed for good in ${s.importJobId}` : ''})`,
    `  missing     ${count(s.missing)}`,
    `  different   ${count(s.different)}${s.different > 0 ? ` (${fieldCounts(s.byField)})` : ''}`,
    `  unexpected  ${count(s.unexpectedPresent)} present that should be absent`,
  ];
  if (s.unchecked > 0)
    lines.push(`  unchecked   ${count(s.unchecked)} (the service could not be read for them)`);
  lines.push(`  calls       ${count(s.calls, `${api} call`)}`);
  if (s.writers.length === 0) lines.push('  imports     none held these users while they were read');
  else {
    lines.push(`  imports     ${writerLine(s.writers[0] as WriterSeen)}`);
    for (const w of s.writers.slice(1)) lines.push(`              ${writerLine(w)}`);
    lines.push('              answers for those users may be stale: verify again once the imports end');
  }
  if (s.reportJsonl) lines.push(`  report      ${s.reportJsonl}`, `              ${s.reportCsv ?? ''}`);
  if (s.repairJsonl)
    lines.push(
      `  repair      ${s.repairJsonl} (${count(s.repairItems, 'item')})` +
        (s.repairJobId ? ` · import job ${s.repairJobId}` : ` · friend-import import ${s.repairJsonl}`),
    );
  if (s.repairError) lines.push(`  repair      ${s.repairError}`);
  if (s.error) lines.push(`  error       ${s.error}`);
  return lines.join('\n');
}

/**
 * The verdict in one sentence (the demo's last word on each file): every expected pair present,
 * the pairs of bad rows absent, or what differs.
 */
export function verdict(s: VerifySummaryJson): string {
  const fields = s.fields ? ' with the fields the file gives them' : '';
  if (s.status !== 'completed') return `Verdict: the verify ${s.status}${s.error ? `: ${s.error}` : ''}.`;
  if (differencesOf(s) === 0)
    return (
      `Verdict: every expected pair is present (${count(s.present)})${fields}, and the ` +
      `${count(s.absent, 'pair of the intentionally bad rows is', 'pairs of the intentionally bad rows are')} absent.`
    );
  const parts = [
    s.missing > 0 && `${count(s.missing)} missing`,
    s.different > 0 && `${count(s.different)} with other fields`,
    s.unexpectedPresent > 0 && `${count(s.unexpectedPresent)} present that should be absent`,
    s.unchecked > 0 && `${count(s.unchecked)} unchecked`,
  ].filter(Boolean);
  return `Verdict: ${parts.join(', ')} — see ${s.reportJsonl ?? 'the report'}.`;
}

/** The counts `pause`, `resume`, `cancel` and `concurrency` print for a verify job. */
export function verifyCounts(p: VerifyProgress): string {
  return `${count(p.pairs, 'pair')} checked, ${count(p.imported)} as expected, ${count(p.failed, 'differs', 'differ')}, ${count(p.inFlight, 'call')} in flight`;
}

export const isVerifyProgress = (p: JobProgress): p is VerifyProgress =>
  (p as Partial<VerifyProgress>).kind === 'verify';

/** The plain progress line. */
function verifyProgressLine(p: VerifyProgress, e: Estimate): string {
  const state = p.state === 'running' ? '' : ` [${p.state}]`;
  return (
    `verify ${p.jobId}${state}: ${Math.floor(e.fraction * 100)}% · ${count(p.users, 'user')} · ${count(p.pairs, 'pair')} · ` +
    `${count(p.imported)} as expected · ${count(p.failed, 'differs', 'differ')} · ${e.callsPerSecond.toFixed(0)} calls/s · ` +
    `ETA ${e.etaMs === undefined ? '–' : duration(e.etaMs)}`
  );
}

const VERIFY_PROGRESS: ProgressLook<VerifyProgress> = {
  format:
    '{bar} {percentage}%{state} | {users} | {pairs} | {ok} as expected | {differ} | {rate} calls/s | ETA {etaText}',
  figures: (p) => ({
    users: count(p.users, 'user'),
    pairs: count(p.pairs, 'pair'),
    ok: count(p.imported),
    differ: count(p.failed, 'differs', 'differ'),
  }),
  // Pairs settled over pairs expected: the same estimate as an import's items.
  estimate: (p, samples) => estimate({ ...p, items: p.pairs }, samples),
  line: verifyProgressLine,
};

const VERIFY: JobLook<VerifyProgress, VerifySummaryJson> = {
  noun: 'verify job',
  summary: verifySummary,
  progressView: () => createJobProgressView(VERIFY_PROGRESS),
};

/** The job's summary now, whatever its state (`status` is the server's, e.g. `RUNNING`). */
export function currentVerifySummary(handle: VerifyJobHandle, status: string): Promise<VerifySummaryJson> {
  return summaryNow(handle, status, VERIFY);
}

/** Waits for the verify job to end, showing progress; resolves with its final summary. */
export function followVerify(handle: VerifyJobHandle, options: FollowOptions): Promise<VerifySummaryJson> {
  return follow(handle, options, VERIFY);
}

/** One report row as a line of text. */
function verifyRowLine(r: VerifyReportRow): string {
  const show = (v: VerifyReportRow['expected']): string => (v === null ? 'absent' : JSON.stringify(v));
  const what =
    r.differs[0] === 'missing' ? 'missing' : r.differs[0] === 'unexpected' ? 'present' : r.differs.join(', ');
  return `line ${r.line}: ${r.fromAccount} → ${r.toAccount}: ${what} (expected ${show(r.expected)}, found ${show(r.found)})${r.note ? ` — ${r.note}` : ''}`;
}

/** `friend-import report` for a verify job. */
export async function printVerifyReport(
  summary: VerifySummaryJson,
  options: { json?: boolean; limit?: number },
): Promise<void> {
  const { readVerifyRows } = await import('../../../formats/verifyReport.js');
  const finished = isFinished(summary.status);
  let rows: VerifyReportRow[] | undefined;
  let unreadable: string | undefined;
  if (finished && summary.reportJsonl)
    try {
      rows = await readVerifyRows(summary.reportJsonl);
    } catch (err) {
      unreadable = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    }
  if (options.json) {
    const shown = rows && options.limit !== undefined ? rows.slice(0, options.limit) : rows;
    process.stdout.write(
      `${JSON.stringify({ jobId: summary.jobId, kind: 'verify', status: summary.status, reportJsonl: summary.reportJsonl, reportCsv: summary.reportCsv, repairJsonl: summary.repairJsonl, final: finished, readable: rows !== undefined, rows: shown ?? [] })}\n`,
    );
    return;
  }
  const out: string[] = [];
  if (!finished)
    out.push(
      `Verify ${summary.jobId} is still ${summary.status}: its report is written when it ends, to`,
      `  ${summary.reportJsonl ?? ''}`,
      `  ${summary.reportCsv ?? ''}`,
    );
  else
    out.push(
      `Verify ${summary.jobId} ${summary.status}: ${count(differencesOf(summary), 'pair differs', 'pairs differ')}. Report:`,
      `  ${summary.reportJsonl ?? ''}`,
      `  ${summary.reportCsv ?? ''}`,
    );
  if (summary.repairJsonl) out.push(`Repair file: ${summary.repairJsonl}`);
  if (unreadable) out.push(`(not readable from here: ${unreadable}; the workers write it on their machine)`);
  if (rows) {
    const shown = rows.slice(0, options.limit ?? 100);
    for (const r of shown) out.push(verifyRowLine(r));
    if (rows.length > shown.length) out.push(`… and ${count(rows.length - shown.length)} more in the file`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
