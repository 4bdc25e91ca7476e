/**
 * What a user's import reports: one submission's outcomes (for its caller or its bulk job) and the
 * run chain's result. Pure reads of the ledger.
 */
import type { ImportFriendsResult, ImportState, LedgerState, SubmissionOutcome } from './userImportTypes.js';

export function submissionOutcome(
  state: LedgerState,
  id: string,
  status?: SubmissionOutcome['status'],
): SubmissionOutcome {
  const s = state.submissions[id];
  const base = { submissionId: id, fromAccount: state.fromAccount };
  if (!s)
    return {
      ...base,
      status: status ?? 'unknown',
      total: 0,
      imported: 0,
      failed: 0,
      failedByCode: {},
      superseded: 0,
      failures: [],
      calls: 0,
    };
  return {
    ...base,
    status: status ?? (s.pending === 0 ? 'done' : 'pending'),
    total: s.total,
    imported: s.imported,
    failed: s.failed,
    failedByCode: { ...s.failedByCode },
    superseded: s.superseded ?? 0,
    failures: state.failures.filter((f) => f.submissionId === id),
    calls: s.calls,
  };
}

export function resultOf(state: LedgerState, status: ImportState, now: number): ImportFriendsResult {
  return {
    fromAccount: state.fromAccount,
    state: status,
    items: state.items,
    imported: state.imported,
    failed: state.failed,
    failedByCode: { ...state.failedByCode },
    superseded: state.superseded ?? 0,
    failAccounts: [...new Set(state.failAccounts)],
    invalidAccounts: [...new Set(state.invalidAccounts)],
    failures: state.failures,
    failuresOmitted: state.failuresOmitted,
    calls: state.calls,
    durationMs: now - state.startedAt,
    submissions: state.seenSubmissions.length,
    submissionTallies: Object.values(state.submissions).map(
      ({ id, total, imported, failed, failedByCode, superseded, calls }) => ({
        id,
        total,
        imported,
        failed,
        failedByCode,
        superseded: superseded ?? 0,
        calls,
      }),
    ),
  };
}
