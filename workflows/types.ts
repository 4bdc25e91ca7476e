/**
 * What goes in and out of ImportFriendsWorkflow: plain, JSON-serialisable data (it is recorded in
 * workflow history and carried across continue-as-new).
 */
import type { AddFriendItem } from '../im/schemas.js';

/** The caller's handle on one item, echoed in its outcome: an input line number, or an index. */
export type ItemRef = string | number;

export interface SubmittedItem {
  /** Defaults to the item's index within its submission. */
  ref?: ItemRef;
  /** Checked against G6 before it is submitted (client/importFriends.ts `checkItems`, the file reader). */
  item: unknown;
  /**
   * Why the item failed that check: the workflow records it as `rejected` and never sends it.
   * Validation happens outside the workflow so its sandbox needs no schema library per run.
   */
  rejected?: string;
}

/** A batch of items for one user, added to that user's workflow (Update-with-Start). */
export interface Submission {
  /** Unique per submission; the same ID twice is accepted once (retries are safe). */
  id: string;
  items: SubmittedItem[];
  /** A workflow (a bulk job) to signal with this submission's outcomes once they are all known. */
  notify?: { workflowId: string };
}

export type FailureKind = 'permanent' | 'rejected' | 'exhausted' | 'cancelled';

export interface ItemFailure {
  submissionId: string;
  ref: ItemRef;
  toAccount: string;
  /** The vendor's code, or `rejected` for a validation rejection before sending. */
  code: number | 'rejected';
  reason: string;
  /** permanent vendor code · rejected before sending · transient attempts exhausted · workflow cancelled first */
  kind: FailureKind;
}

export interface SubmissionAccepted {
  submissionId: string;
  /** True when this submission ID had been accepted before (nothing was added this time). */
  duplicate: boolean;
  accepted: number;
  rejected: number;
}

export interface SubmissionOutcome {
  submissionId: string;
  fromAccount: string;
  /** `continued`: the run continued as new before the outcome was known; ask the new run. */
  status: 'done' | 'pending' | 'continued' | 'unknown';
  total: number;
  imported: number;
  failed: number;
  failedByCode: Record<string, number>;
  failures: ItemFailure[];
  /** friend_import calls that carried at least one of this submission's items. */
  calls: number;
}

export interface ImportOptions {
  /** Items per friend_import call (1–1000). */
  batchSize: number;
  /** Attempts per item for per-item transient codes before it fails as `exhausted`. */
  maxItemAttempts: number;
  /** Upper bound on one call's JSON body, so activity inputs stay far below Temporal's 2 MiB. */
  maxBatchBytes: number;
  /** Continue as new once history reaches this many events (or when the server suggests it). */
  continueAsNewAfterEvents: number;
}

export const DEFAULT_IMPORT_OPTIONS: ImportOptions = {
  batchSize: 1000,
  maxItemAttempts: 5,
  maxBatchBytes: 1_000_000,
  continueAsNewAfterEvents: 2_000,
};

export interface ImportFriendsInput {
  fromAccount: string;
  /** The rate-limited task queue that runs friendImport for this IM app. */
  callsTaskQueue: string;
  options?: Partial<ImportOptions>;
  /** State carried over from the previous run (continue-as-new). */
  carried?: LedgerState;
}

export type ImportState = 'running' | 'completed' | 'cancelled' | 'failed';

export interface ImportFriendsResult {
  fromAccount: string;
  state: ImportState;
  items: number;
  imported: number;
  failed: number;
  /** Vendor code (or `rejected`) → number of items. */
  failedByCode: Record<string, number>;
  /** Failed items the service listed in `Fail_Account` / `Invalid_Account` (vendor lists). */
  failAccounts: string[];
  invalidAccounts: string[];
  failures: ItemFailure[];
  /** Failures beyond the detail cap are counted here and in `failedByCode` only. */
  failuresOmitted: number;
  calls: number;
  durationMs: number;
  submissions: number;
  /** Per-submission counts (the most recent ones), so each caller can find its own. */
  submissionTallies: Pick<
    SubmissionTally,
    'id' | 'total' | 'imported' | 'failed' | 'failedByCode' | 'calls'
  >[];
}

export interface ImportFriendsProgress {
  fromAccount: string;
  state: ImportState;
  queued: number;
  inFlight: number;
  items: number;
  imported: number;
  failed: number;
  calls: number;
  submissions: number;
}

/** One queued item, validated. */
export interface QueuedItem {
  submissionId: string;
  ref: ItemRef;
  item: AddFriendItem;
  attempts: number;
}

export interface SubmissionTally {
  id: string;
  total: number;
  imported: number;
  failed: number;
  pending: number;
  failedByCode: Record<string, number>;
  calls: number;
  notify?: { workflowId: string };
  /** Set once the completion has been reported (to the notify target and waiting callers). */
  settled?: boolean;
}

/** Everything the workflow knows; carried across continue-as-new. */
export interface LedgerState {
  fromAccount: string;
  startedAt: number;
  queue: QueuedItem[];
  submissions: Record<string, SubmissionTally>;
  /** Accepted submission IDs, oldest first (bounded), so a retried delivery is accepted once. */
  seenSubmissions: string[];
  items: number;
  imported: number;
  failed: number;
  calls: number;
  failedByCode: Record<string, number>;
  failAccounts: string[];
  invalidAccounts: string[];
  failures: ItemFailure[];
  failuresOmitted: number;
  /** Bulk jobs (workflow IDs) paused by their operator: their items wait in the queue. */
  pausedJobs: string[];
}
