/**
 * The bookkeeping of one user's import, as deterministic functions over plain data: admitting
 * submissions (admit.ts: last-one-wins de-duplication), cutting batches, and recording every
 * item's single outcome (ledgerRecord.ts). ImportFriendsWorkflow (in Temporal's sandbox) and a bulk
 * job's page activity (in a worker process) are both loops around these functions; there is no
 * second copy.
 *
 * Every step returns what it settled: the submissions it completed and each item that got its
 * outcome, so a caller can write per-item records (the page activity) or only count (the workflow).
 */
import { jsonByteBound, jsonByteLength } from '../im/utf8.js';
import type { AddFriendItem } from '../im/schemas.js';
import { countCalls, fail, settle, succeed } from './ledgerRecord.js';
import type {
  FailureKind,
  FriendImportAnswer,
  ItemOutcome,
  LedgerState,
  QueuedItem,
  Settled,
} from './userImportTypes.js';

/** Failure details kept in a workflow's ledger; the rest are counted (keeps results far under 2 MiB). */
export const MAX_FAILURE_DETAILS = 5_000;

export function newLedger(
  fromAccount: string,
  startedAt: number,
  options: { failureDetailCap?: number } = {},
): LedgerState {
  return {
    fromAccount,
    startedAt,
    queue: [],
    submissions: {},
    seenSubmissions: [],
    items: 0,
    imported: 0,
    failed: 0,
    calls: 0,
    failedByCode: {},
    failAccounts: [],
    invalidAccounts: [],
    failures: [],
    failuresOmitted: 0,
    failureDetailCap: options.failureDetailCap ?? MAX_FAILURE_DETAILS,
  };
}

/** Bytes of a request body besides its items (braces, From_Account, the field names). */
const BODY_OVERHEAD_BYTES = 64;

/**
 * Removes and returns the next batch: at most `batchSize` items and about `maxBytes` of JSON, in
 * queue order. Items are sized by cheap upper bounds first; only a batch whose bounds do not fit
 * is sized exactly, so the result is always the one exact sizing would give.
 */
export function takeBatch(state: LedgerState, batchSize: number, maxBytes: number): QueuedItem[] {
  const queue = state.queue;
  const limit = Math.min(queue.length, batchSize);
  // How many items fit, by `sizeOf`: at least one, then while the body stays within maxBytes.
  const fitting = (sizeOf: (item: AddFriendItem) => number): number => {
    let bytes = BODY_OVERHEAD_BYTES;
    let n = 0;
    for (; n < limit; n++) {
      const size = sizeOf(queue[n]!.item) + 1;
      if (n > 0 && bytes + size > maxBytes) break;
      bytes += size;
    }
    return n;
  };
  let n = fitting(jsonByteBound);
  if (n < limit) n = fitting(jsonByteLength);
  return queue.splice(0, n);
}

/**
 * Records the answer to one call: successes, permanent failures, and per-item transient codes
 * (or items the answer did not mention) requeued at the back until `maxItemAttempts` is spent.
 */
export function applyAnswer(
  state: LedgerState,
  batch: readonly QueuedItem[],
  answer: FriendImportAnswer,
  maxItemAttempts: number,
): Settled {
  const out: ItemOutcome[] = [];
  countCalls(state, batch, answer.attempt);
  const byAccount = new Map(batch.map((q) => [q.item.To_Account, q]));
  const invalid = new Set(answer.invalidAccounts);
  const failed = new Set(answer.failAccounts);
  const listedIn = (a: string) =>
    invalid.has(a) ? 'Invalid_Account' : failed.has(a) ? 'Fail_Account' : undefined;
  for (const a of answer.imported) {
    const q = byAccount.get(a);
    if (q) succeed(state, out, q);
  }
  for (const p of answer.permanent) {
    const q = byAccount.get(p.toAccount);
    if (q)
      fail(state, out, q, p.toAccount, {
        code: p.code,
        reason: p.info || `error ${p.code}`,
        kind: 'permanent',
        listedIn: listedIn(p.toAccount),
      });
  }
  const retry = [
    ...answer.transient.map((t) => ({
      account: t.toAccount,
      code: t.code,
      reason: t.info || `error ${t.code}`,
    })),
    ...answer.missing.map((account) => ({ account, code: 30006, reason: 'not answered in ResultItem' })),
  ];
  const queued = retry.length > 0 ? new Set(state.queue.map((w) => w.item.To_Account)) : undefined;
  for (const r of retry) {
    const q = byAccount.get(r.account);
    if (!q) continue;
    // A newer item for this friend arrived while the call was in flight: it wins, this one never goes again.
    if (queued?.has(r.account)) {
      fail(state, out, q, r.account, {
        code: 'superseded',
        reason: `superseded by a later item for To_Account ${r.account} while this one was in flight; the last one wins`,
        kind: 'superseded',
      });
      continue;
    }
    q.attempts++;
    // It may have been written although the answer did not say so.
    q.maybeLanded = true;
    if (q.attempts >= maxItemAttempts)
      fail(state, out, q, r.account, {
        code: r.code,
        reason: `${r.reason} (transient; gave up after ${q.attempts} attempts)`,
        kind: 'exhausted',
        listedIn: listedIn(r.account),
      });
    else state.queue.push(q);
  }
  return { completed: settle(state), outcomes: out };
}

/** Records the same failure for every item of a batch (a whole-request permanent code, or retries spent). */
export function failBatch(
  state: LedgerState,
  batch: readonly QueuedItem[],
  failure: { code: number; reason: string; kind: FailureKind },
  /** HTTP calls this batch took (its attempts). */
  calls: number,
): Settled {
  const out: ItemOutcome[] = [];
  countCalls(state, batch, calls);
  for (const q of batch) fail(state, out, q, q.item.To_Account, failure);
  return { completed: settle(state), outcomes: out };
}

/** Cancellation: every item still waiting gets the outcome `cancelled`. */
export function cancelQueued(state: LedgerState, reason = 'not sent: the import was cancelled'): Settled {
  const out: ItemOutcome[] = [];
  const cancelled = state.queue;
  state.queue = [];
  for (const q of cancelled)
    fail(state, out, q, q.item.To_Account, { code: 'rejected', reason, kind: 'cancelled' });
  return { completed: settle(state), outcomes: out };
}
