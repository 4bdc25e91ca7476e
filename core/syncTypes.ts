/**
 * What goes in and out of SyncJobWorkflow (docs/cli.md, `sync`): a new snapshot compared with an
 * older one (or with what the service holds), made into a plan of three kinds of write, each run as
 * pages of the import's own page activity. Plain data, bounded by a page, never by the snapshot.
 */
import type { BulkJobInput, JobCounters, JobProgress, SourceFormat } from './jobTypes.js';

/** The three writes a sync makes, in the order it makes them (deletes first free room under 3,000 friends). */
export const SYNC_OPS = ['delete', 'update', 'import'] as const;
export type SyncOp = (typeof SYNC_OPS)[number];

/** Each write's API. */
export const OP_API = {
  delete: 'friend_delete',
  update: 'friend_update',
  import: 'friend_import',
} as const satisfies Record<SyncOp, string>;

/** What a sync compares the new snapshot with. */
export type SyncBase = { kind: 'file'; path: string; format: SourceFormat } | { kind: 'service' };

export interface SyncJobInput extends Omit<BulkJobInput, 'source'> {
  /** The new snapshot: what the app must hold when the sync ends. */
  source: { path: string; format: SourceFormat };
  since: SyncBase;
  /** Delete the pairs the new snapshot no longer has (friend_delete, one-way). Off: they stay. */
  deleteRemoved: boolean;
  /** Where the plan's files go (default `<reportDir>/plan`). */
  planDir: string;
  /** Items per friend_update call (the vendor states no cap; default 100). */
  updateBatch?: number;
}

/** What the plan found, pair by pair. */
export interface SyncPairCounts {
  /** Users the new snapshot names (or, with a file base, either snapshot names). */
  users: number;
  /** Users with nothing to write. */
  usersUnchanged: number;
  added: number;
  /** Pairs whose remark, groups or custom fields changed: friend_update. */
  changed: number;
  /**
   * Pairs whose AddSource or AddWording changed: friend_update cannot write those, so the pair is
   * deleted and imported again (it counts in both APIs' calls).
   */
  replaced: number;
  /** Pairs the new snapshot no longer has: deleted with `--delete`, else kept and counted here. */
  removed: number;
  unchanged: number;
  /** Rows of the new snapshot the plan rejected (reported like an import's rejections). */
  rejected: number;
}

export const emptyPairCounts = (): SyncPairCounts => ({
  users: 0,
  usersUnchanged: 0,
  added: 0,
  changed: 0,
  replaced: 0,
  removed: 0,
  unchanged: 0,
  rejected: 0,
});

export function addPairCounts(a: SyncPairCounts, b: SyncPairCounts): void {
  for (const k of Object.keys(a) as (keyof SyncPairCounts)[]) a[k] += b[k];
}

/** One plan file: one kind of write, one line per user (a valid friend_import JSONL file). */
export interface PlanSegment {
  op: SyncOp;
  path: string;
  users: number;
  items: number;
  /** The fewest calls these items need (Σ over users of ⌈items / per-call cap⌉). */
  minimumCalls: number;
}

export interface SyncPlan {
  counts: SyncPairCounts;
  segments: PlanSegment[];
}

/** The plan of part `part` of `parts` (users split by a hash of their UserID, to bound memory). */
export interface PlanPartInput {
  jobId: string;
  sdkAppId?: number;
  source: { path: string; format: SourceFormat };
  since: SyncBase;
  deleteRemoved: boolean;
  planDir: string;
  reportDir: string;
  part: number;
  parts: number;
  /** Items per friend_update call (default 100). */
  updateBatch?: number;
  /** Items per friend_import call (default: the worker's IM_BATCH_SIZE). */
  importBatch?: number;
}

export type OpCounters = Record<SyncOp, JobCounters>;

export interface SyncProgress extends JobProgress {
  kind: 'sync';
  file: string;
  since: string;
  deleteRemoved: boolean;
  /** `plan` until the plan is made, then the write it is at, `done` at the end. */
  phase: 'plan' | SyncOp | 'done';
  plan?: SyncPlan;
  /** Where the plan's files are (each a friend_import JSONL file: the failed rows name their lines). */
  planDir: string;
  /** Each write's items and calls so far. */
  ops: OpCounters;
}

export type SyncSummary = SyncProgress;
