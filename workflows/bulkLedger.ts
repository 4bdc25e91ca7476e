/**
 * The bookkeeping of one bulk job, as deterministic functions over plain data: which submissions
 * are in flight, their outcomes as they arrive (once each, even when a delivery was retried), the
 * job's counters and the failure rows waiting to be written to the report.
 */
import type { JobCounters, JobState, ReportRow, SourceCursor } from './bulkTypes.js';
import type { SubmissionOutcome } from './types.js';

export interface PendingSubmission {
  fromAccount: string;
  items: number;
}

/** What a page read reports back (see the readAndDeliver activity). */
export interface PageOutcome {
  startLine: number;
  next: SourceCursor;
  eof: boolean;
  lines: number;
  itemCount: number;
  users: number;
  /** Items rejected by the reader (their rows are already in the report). */
  rejected: number;
  submissions: { id: string; fromAccount: string; items: number }[];
}

export interface BulkState {
  cursor: SourceCursor;
  eof: boolean;
  state: JobState;
  concurrency: number;
  counters: JobCounters;
  pending: Record<string, PendingSubmission>;
  /** Outcomes that arrived while the page that delivered them was still being read. */
  early: Record<string, SubmissionOutcome>;
  /** Failure rows not yet written to a report part. */
  buffer: ReportRow[];
  /** Report parts written so far (names are numbered, so a retried write is idempotent). */
  parts: number;
  startedAt: number;
  sourceBytes: number;
  error?: string;
}

export function newBulkState(concurrency: number, startedAt: number, sourceBytes: number): BulkState {
  return {
    cursor: { offset: 0, line: 1 },
    eof: false,
    state: 'running',
    concurrency,
    counters: { lines: 0, users: 0, items: 0, imported: 0, failed: 0, failedByCode: {}, calls: 0 },
    pending: {},
    early: {},
    buffer: [],
    parts: 0,
    startedAt,
    sourceBytes,
  };
}

export const pendingCount = (s: BulkState): number => Object.keys(s.pending).length;

export function addFailures(counters: JobCounters, code: string, n: number): void {
  counters.failed += n;
  counters.failedByCode[code] = (counters.failedByCode[code] ?? 0) + n;
}

/** Counts one submission's outcome and queues its failure rows. */
function apply(s: BulkState, outcome: SubmissionOutcome): void {
  const c = s.counters;
  c.imported += outcome.imported;
  c.failed += outcome.failed;
  c.calls += outcome.calls;
  for (const [code, n] of Object.entries(outcome.failedByCode))
    c.failedByCode[code] = (c.failedByCode[code] ?? 0) + n;
  for (const f of outcome.failures)
    s.buffer.push({
      line: typeof f.ref === 'number' ? f.ref : Number(f.ref) || 0,
      fromAccount: outcome.fromAccount,
      toAccount: f.toAccount,
      code: f.code,
      reason: f.reason,
      kind: f.kind,
    });
  const undetailed = outcome.failed - outcome.failures.length;
  if (undetailed > 0)
    s.buffer.push({
      line: 0,
      fromAccount: outcome.fromAccount,
      toAccount: '',
      code: 'rejected',
      reason: `${undetailed} more failed items of this user are counted but not detailed (per-user detail cap)`,
      kind: 'permanent',
    });
}

/**
 * An outcome arrived (signal). Counted if its submission is in flight; kept aside if the page that
 * delivered it is still being read; ignored otherwise (a duplicate from a retried delivery).
 */
export function onOutcome(s: BulkState, outcome: SubmissionOutcome, readInFlight: boolean): void {
  const id = outcome.submissionId;
  if (s.pending[id]) {
    apply(s, outcome);
    delete s.pending[id];
  } else if (readInFlight && !s.early[id]) s.early[id] = outcome;
}

/** A page was read and delivered: advance the cursor, count it, and put its submissions in flight. */
export function onPage(s: BulkState, page: PageOutcome): void {
  s.cursor = page.next;
  s.eof = page.eof;
  const c = s.counters;
  c.lines += page.lines;
  c.items += page.itemCount;
  c.users += page.users;
  if (page.rejected > 0) addFailures(c, 'rejected', page.rejected);
  for (const sub of page.submissions) {
    const early = s.early[sub.id];
    if (early) apply(s, early);
    else s.pending[sub.id] = { fromAccount: sub.fromAccount, items: sub.items };
  }
  s.early = {};
}

/**
 * The users of these submissions failed for good (a configuration error): their items are counted
 * as failed, with one report row per user saying why.
 */
export function onUserFailed(
  s: BulkState,
  fromAccount: string,
  submissionIds: string[],
  message: string,
): void {
  let items = 0;
  for (const id of submissionIds) {
    const p = s.pending[id];
    if (!p) continue;
    items += p.items;
    delete s.pending[id];
  }
  if (items === 0) return;
  addFailures(s.counters, 'config', items);
  s.buffer.push({
    line: 0,
    fromAccount,
    toAccount: '',
    code: 'rejected',
    reason: `${items} items not imported: ${message}`,
    kind: 'permanent',
  });
  s.error ??= message;
}

/** Users with submissions in flight (for pause, resume and cancel). */
export function pendingUsers(s: BulkState): string[] {
  return [...new Set(Object.values(s.pending).map((p) => p.fromAccount))];
}

/** Whether to read the next page: running, more to read, and enough free slots to make a page worth it. */
export function wantsPage(s: BulkState): boolean {
  if (s.state !== 'running' || s.eof) return false;
  const inFlight = pendingCount(s);
  const free = s.concurrency - inFlight;
  return inFlight === 0 || free >= Math.max(1, Math.ceil(s.concurrency / 2));
}
