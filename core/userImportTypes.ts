/**
 * The per-user import's data: what goes into a user's ledger, what comes out of it, and the
 * answer of one friend_import call as the ledger reads it. Plain, JSON-serialisable data: the
 * ledger lives in ImportFriendsWorkflow's history (carried across continue-as-new) and in the
 * memory of a bulk job's page activity.
 */
import type { AddFriendItem } from '../im/schemas.js';
import type { ClassifiedImport } from '../im/classify.js';

/** The caller's handle on one item, echoed in its outcome: an input line number, or an index. */
export type ItemRef = string | number;

export interface SubmittedItem {
  /** Defaults to the item's index within its submission. */
  ref?: ItemRef;
  /** Checked against the field limits before it is submitted (see `checkItems`, the file reader). */
  item: unknown;
  /**
   * Why the item failed that check: the ledger records it as `rejected` and never sends it.
   * Validation happens before the ledger so the workflow sandbox needs no schema library per run.
   */
  rejected?: string;
  /**
   * It may already be in the service (an earlier attempt may have written it): a refusal of it is
   * confirmed with friend_check before it is recorded (docs/architecture.md, one outcome per item).
   */
  maybeLanded?: boolean;
}

/** A batch of items for one user, added to that user's ledger. */
export interface Submission {
  /** Unique per submission; the same ID twice is accepted once (retries are safe). */
  id: string;
  items: SubmittedItem[];
  /**
   * The IDs of the same caller's submissions that come right after this one (a caller's items
   * split into several): the run waits for them before it completes, so one call of
   * `importFriends` is one run's work.
   */
  follows?: string[];
}

/**
 * How an item ended without being imported as itself. `superseded` is not a failure: a later item
 * for the same friend won before this one was sent (docs/cli.md, repeated pairs); it is counted
 * apart from the failures and never makes an import exit 3.
 */
export type FailureKind = 'permanent' | 'rejected' | 'exhausted' | 'cancelled' | 'superseded';

/** The code of an item that did not go: rejected by a check, or superseded by a later item. */
export type UnsentCode = 'rejected' | 'superseded';

export interface ItemFailure {
  submissionId: string;
  ref: ItemRef;
  toAccount: string;
  /** The vendor's code, or `rejected` / `superseded` for an item that was never sent. */
  code: number | UnsentCode;
  reason: string;
  /** permanent vendor code · rejected before sending · transient attempts exhausted · cancelled first · superseded */
  kind: FailureKind;
}

/** One item's one outcome, as the ledger records it. */
export type ItemOutcome =
  { ok: true; submissionId: string; ref: ItemRef; toAccount: string } | ({ ok: false } & ItemFailure);

/** What a ledger step settled: submissions now complete, and the items that got their outcome. */
export interface Settled {
  completed: string[];
  outcomes: ItemOutcome[];
}

export interface SubmissionAccepted {
  submissionId: string;
  /** True when this submission ID had been accepted before (nothing was added this time). */
  duplicate: boolean;
  /** Items queued to be sent. */
  accepted: number;
  /** Items that failed their checks (an item superseded by a later one in the same call is neither). */
  rejected: number;
  /**
   * The submission's outcomes, when the run settled them in the workflow task that accepted it
   * (the quick path); absent otherwise: ask `submissionQuery` later.
   */
  outcome?: SubmissionOutcome;
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
  /** Items a later item for the same friend won over before they were sent (not failures). */
  superseded: number;
  failures: ItemFailure[];
  /** friend_import calls that carried at least one of this submission's items. */
  calls: number;
}

/**
 * The service's answer to one friend_import call, reduced to what the ledger records (see
 * `classifyFriendImport` in im/classify.ts).
 */
export interface FriendImportAnswer extends Omit<ClassifiedImport, 'request' | 'inconsistencies'> {
  /** HTTP calls this batch took to get this answer (1 = the first try). */
  attempt: number;
}

export interface ImportOptions {
  /** Items per friend_import call (1–1000). */
  batchSize: number;
  /** Attempts per item for per-item transient codes before it fails as `exhausted`. */
  maxItemAttempts: number;
  /** Upper bound on one call's JSON body (activity inputs stay far below Temporal's 2 MiB). */
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
  /**
   * How the run makes its calls: 2 = the quick path (a local first try per batch, updates answer
   * with outcomes); absent = every try an activity (runs started by clients of builds before 0.2.0-dev.2).
   */
  protocol?: 2;
  /** Submissions announced by `follows` and not received yet, carried across continue-as-new. */
  awaiting?: string[];
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
  /** Items a later item for the same friend won over before they were sent (not failures). */
  superseded: number;
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
    'id' | 'total' | 'imported' | 'failed' | 'failedByCode' | 'superseded' | 'calls'
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
  /** Calls that carried it and answered it with a transient code (or not at all). */
  attempts: number;
  maybeLanded?: boolean;
}

interface SubmissionTally {
  id: string;
  total: number;
  imported: number;
  failed: number;
  pending: number;
  failedByCode: Record<string, number>;
  /** Absent in state carried over from runs of builds before 0.2.0-dev.3. */
  superseded?: number;
  calls: number;
  /** Set once the completion has been reported to waiting callers. */
  settled?: boolean;
}

/** Everything a user's ledger knows; carried across continue-as-new. */
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
  /** Absent in state carried over from runs of builds before 0.2.0-dev.3. */
  superseded?: number;
  failAccounts: string[];
  invalidAccounts: string[];
  /** Failure details kept in the ledger (up to `failureDetailCap`); outcomes report every one. */
  failures: ItemFailure[];
  failuresOmitted: number;
  failureDetailCap: number;
}
