/**
 * The one summary of a bulk job that `import --json` and `status --json` print, the exit code it
 * maps to, and its human form; and what a verify job's summary (verifyView.ts) is built on alike.
 */
import {
  emptyCounters,
  type JobCounters,
  type JobProgress,
  type JobState,
  type JobSummary,
} from '../../../core/jobTypes.js';
import type { AccountTotals } from '../../../core/accounts.js';
import { EXIT } from '../errors.js';
import { codes, count, duration, pick } from './format.js';

/**
 * The job's counters (`failed` counts validation rejections too, under `rejected`; `superseded`
 * counts apart the rows a later row for the same pair won over) and more.
 */
export interface JobSummaryJson extends Required<JobCounters>, JobRunJson {
  /** Jobs with createAccounts: accounts checked, created and not creatable, and the account calls. */
  accounts?: AccountTotals;
  /**
   * The retry file: the items a re-run could change, in the input's format (docs/cli.md, the retry
   * file), and how many; null until the job has ended and written it.
   */
  retryFile: string | null;
  retryItems: number | null;
}

/** What every job's summary says of the job itself, an import's or a verify's (verifyView.ts). */
export interface JobRunJson {
  jobId: string;
  workflowId: string;
  /** The job's state; `failed` also covers a job terminated or timed out on the server. */
  status: JobState;
  elapsedMs: number;
  reportJsonl: string | null;
  reportCsv: string | null;
  inFlight: number;
  concurrency: number;
  /** Bytes of the source read so far, of `sourceBytes`. */
  offset: number;
  sourceBytes: number;
  error?: string;
}

export const isFinished = (state: string): boolean => ['completed', 'cancelled', 'failed'].includes(state);

/** The state a job closed in on the server, and why, when its progress cannot say. */
export interface SummaryOverride {
  status?: JobState;
  error?: string;
}

/** A job that told nothing: no line read, nothing running. */
export const NOT_RUNNING = { elapsedMs: 0, inFlight: 0, concurrency: 0, offset: 0, sourceBytes: 0 };

/** The part of `JobRunJson` every summary takes alike from the job's figures. */
export function runJson(
  p: typeof NOT_RUNNING,
  known: { reportJsonl?: string; reportCsv?: string } | undefined,
): Omit<JobRunJson, 'jobId' | 'workflowId' | 'status' | 'error'> {
  return {
    ...pick(p, 'elapsedMs', 'inFlight', 'concurrency', 'offset', 'sourceBytes'),
    reportJsonl: known?.reportJsonl ?? null,
    reportCsv: known?.reportCsv ?? null,
  };
}

/**
 * What a summary is built from: the job's progress or result, or — when it cannot answer — its
 * counters at `nothing` in the state it closed in; and the status and error to show.
 */
export function summaryBasis<P extends { state: JobState; error?: string }, N extends object>(
  known: P | undefined,
  nothing: N,
  override: SummaryOverride,
): { p: P | (N & { state: JobState }); status: JobState; error: string | undefined } {
  const p = known ?? { ...nothing, state: override.status ?? 'failed' };
  return { p, status: override.status ?? p.state, error: override.error ?? known?.error };
}

/** Builds the summary from whatever is known: the job's progress or result, or nothing but its state. */
export function jobSummary(
  jobId: string,
  workflowId: string,
  known: JobProgress | undefined,
  override: SummaryOverride = {},
): JobSummaryJson {
  const { p, status, error } = summaryBasis(known, { ...emptyCounters(), ...NOT_RUNNING }, override);
  return {
    jobId,
    workflowId,
    status,
    ...pick(p, 'lines', 'users', 'items', 'imported', 'failed'),
    failedByCode: { ...p.failedByCode },
    superseded: p.superseded ?? 0,
    calls: p.calls,
    ...runJson(p, known),
    ...retryJson(known),
    ...(known?.accounts && { accounts: known.accounts }),
    ...(error !== undefined && { error }),
  };
}

/** The retry file of a job's result (a job still running, or a build before it, has none). */
function retryJson(
  known: JobProgress | JobSummary | undefined,
): Pick<JobSummaryJson, 'retryFile' | 'retryItems'> {
  const end = known && 'retryFile' in known ? known : undefined;
  return { retryFile: end?.retryFile ?? null, retryItems: end?.retryItems ?? null };
}

/** 0 every item imported · 3 some failed · 4 cancelled · 1 failed (errors.ts documents them all). */
export function exitCodeFor(summary: Pick<JobSummaryJson, 'status' | 'failed'>): number {
  switch (summary.status) {
    case 'completed':
      return summary.failed === 0 ? EXIT.ok : EXIT.itemsFailed;
    case 'cancelled':
      return EXIT.cancelled;
    default:
      return EXIT.failure;
  }
}

export function formatSummary(s: JobSummaryJson): string {
  const finished = isFinished(s.status);
  const head = finished
    ? `Job ${s.jobId} ${s.status} after ${duration(s.elapsedMs)}`
    : `Job ${s.jobId} is ${s.status} (${duration(s.elapsedMs)} so far, ${count(s.inFlight, 'call')} in flight, concurrency ${s.concurrency})`;
  const byCode = codes(s.failedByCode);
  const lines = [
    head,
    `  read      ${count(s.lines, 'line')} · ${count(s.users, 'user')} · ${count(s.items, 'item')}${
      finished || s.sourceBytes === 0 ? '' : ` (${Math.floor((100 * s.offset) / s.sourceBytes)}% of the file)`
    }`,
    `  imported  ${count(s.imported)}${s.superseded > 0 ? ` · ${count(s.superseded, 'row')} superseded by a later row for the same pair` : ''}`,
    `  failed    ${count(s.failed)}${byCode ? ` (${byCode})` : ''}`,
    `  calls     ${count(s.calls, 'friend_import call')}`,
  ];
  if (s.accounts)
    lines.push(
      `  accounts  ${count(s.accounts.checked)} checked · ${count(s.accounts.created)} created · ` +
        `${count(s.accounts.failed)} could not be created ` +
        `(${count(s.accounts.calls.account_check, 'account_check call')}, ` +
        `${count(s.accounts.calls.multiaccount_import, 'multiaccount_import call')})`,
    );
  if (s.reportJsonl) lines.push(`  report    ${s.reportJsonl}`, `            ${s.reportCsv ?? ''}`);
  if (s.retryFile)
    lines.push(`  retry     ${count(s.retryItems ?? 0, 'item')} a re-run could change: ${s.retryFile}`);
  if (s.error) lines.push(`  error     ${s.error}`);
  if (s.retryFile && s.retryItems) lines.push(`Re-run what failed: friend-import import ${s.retryFile}`);
  return lines.join('\n');
}
