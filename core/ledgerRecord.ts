/**
 * How the ledger (ledger.ts, admit.ts) records what happened to items: each item's one outcome,
 * the counts it adds to its user and its submission, and the submissions that completed. Every
 * ledger step ends here, so no step can count an outcome another way.
 */
import { countFailed } from './jobTypes.js';
import type { FailureKind, ItemOutcome, LedgerState, QueuedItem, UnsentCode } from './userImportTypes.js';

/** Completed submission tallies kept for callers that ask for their outcome late. */
const MAX_DONE_SUBMISSIONS = 200;

export interface Failure {
  code: number | UnsentCode;
  reason: string;
  kind: FailureKind;
  /** Which vendor list named the account, if any. */
  listedIn?: 'Fail_Account' | 'Invalid_Account';
}

export function fail(
  state: LedgerState,
  out: ItemOutcome[],
  q: Pick<QueuedItem, 'submissionId' | 'ref'>,
  toAccount: string,
  f: Failure,
): void {
  const key = String(f.code);
  countFailed(state, key);
  if (f.listedIn === 'Fail_Account') state.failAccounts.push(toAccount);
  if (f.listedIn === 'Invalid_Account') state.invalidAccounts.push(toAccount);
  const detail = {
    submissionId: q.submissionId,
    ref: q.ref,
    toAccount,
    code: f.code,
    reason: f.reason,
    kind: f.kind,
  };
  if (state.failures.length < state.failureDetailCap) state.failures.push(detail);
  else state.failuresOmitted++;
  out.push({ ok: false, ...detail });
  const sub = state.submissions[q.submissionId];
  if (sub) {
    sub.pending--;
    countFailed(sub, key);
  }
}

export function succeed(state: LedgerState, out: ItemOutcome[], q: QueuedItem): void {
  state.imported++;
  out.push({ ok: true, submissionId: q.submissionId, ref: q.ref, toAccount: q.item.To_Account });
  const sub = state.submissions[q.submissionId];
  if (sub) {
    sub.imported++;
    sub.pending--;
  }
}

/** Calls are HTTP attempts (retries included), credited to the whole user and to each submission in the batch. */
export function countCalls(state: LedgerState, batch: readonly QueuedItem[], calls: number): void {
  state.calls += calls;
  for (const id of new Set(batch.map((q) => q.submissionId))) {
    const sub = state.submissions[id];
    if (sub) sub.calls += calls;
  }
}

/** IDs of submissions that just completed; trims old completed tallies. */
export function settle(state: LedgerState): string[] {
  const done = Object.values(state.submissions).filter((s) => s.pending === 0);
  const completed = done.filter((s) => !s.settled).map((s) => s.id);
  for (const s of done) s.settled = true;
  const excess = done.length - MAX_DONE_SUBMISSIONS;
  for (const s of done.slice(0, Math.max(0, excess))) delete state.submissions[s.id];
  return completed;
}
