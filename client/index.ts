/**
 * tim-friend-import as a library: start friend imports from your own service, and run bulk jobs
 * from files, on a Temporal cluster where `friend-import worker` runs (README.md, docs/cli.md).
 *
 * ```ts
 * import { Client, Connection } from '@temporalio/client';
 * import { createFriendImporter } from 'tim-friend-import';
 *
 * const client = new Client({ connection: await Connection.connect({ address: 'localhost:7233' }) });
 * const importer = createFriendImporter({ client, sdkAppId: 1400000000 });
 * const handle = await importer.importFriends('alice', [{ To_Account: 'bob', AddSource: 'AddSource_Type_Web' }], {
 *   submissionId: 'signup-alice-1',
 * });
 * const outcome = await handle.outcome(); // this call's items: imported / failed with codes
 * ```
 *
 * This module is a thin, typed layer over `userImports.ts` (user imports), `bulkJobs.ts` (bulk
 * jobs) and `verifyJobs.ts` (verify jobs); the workers make the IM calls, so callers need no IM secret.
 */
import type { Client, DataConverter } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { loadClientImSettings, type Env } from '../config/im.js';
import { MAX_ITEMS_PER_CALL, type AddFriendItem } from '../im/schemas.js';
import type { JobProgress } from '../core/jobTypes.js';
import { callsTaskQueue as callsQueueOf, importFriendsWorkflowId } from '../core/definitions.js';
import type { ImportOptions, SubmittedItem } from '../core/userImportTypes.js';
import { bulkJob, startBulkJob, type BulkJobHandle, type StartJobOptions } from './bulkJobs.js';
import { dataConverterFromEnv } from '../connection/codec.js';
import { connectClient, loadTemporalSettings, TEMPORAL_DEFAULTS } from '../connection/connect.js';
import { importFriends as submitItems, type ImportTarget, type UserImportHandle } from './userImports.js';
import { startVerifyJob, verifyJob, type StartVerifyOptions, type VerifyJobHandle } from './verifyJobs.js';
import { startSyncJob, syncJob, type StartSyncOptions, type SyncJobHandle } from './syncJobs.js';

export type { AddFriendItem, CustomItem } from '../im/schemas.js';
export type {
  ImportFriendsProgress,
  ImportFriendsResult,
  ImportOptions,
  ItemFailure,
  ItemRef,
  SubmissionOutcome,
  SubmittedItem,
  FailureKind,
} from '../core/userImportTypes.js';
export type {
  JobCounters,
  JobProgress,
  JobState,
  JobSummary,
  ReportRow,
  SourceFormat,
} from '../core/jobTypes.js';
export type { BulkJobHandle, StartJobOptions } from './bulkJobs.js';
/** A job's accounts with `createAccounts` (docs/cli.md, "Accounts first"). */
export type { AccountCalls, AccountTotals } from '../core/accounts.js';
/** The body a job POSTs to its `notify` URL when it ends (docs/cli.md, "Notifications"). */
export type { JobEndedBody, NotifyJobKind } from '../core/notify.js';
export type {
  FieldValues,
  VerifyProgress,
  VerifyReportRow,
  VerifySummary,
  WriterSeen,
} from '../core/verifyTypes.js';
export type { StartVerifyOptions, VerifyJobHandle } from './verifyJobs.js';
export type { StartSyncOptions, SyncJobHandle } from './syncJobs.js';
export { startSyncJob, syncJob, newSyncId } from './syncJobs.js';
export type { SyncSummary, SyncProgress, SyncPlan, SyncPairCounts } from '../core/syncTypes.js';
export { startVerifyJob, verifyJob, newVerifyId, verifyReportPaths } from './verifyJobs.js';
export type { UserImportHandle } from './userImports.js';
export type { TemporalSettings } from '../connection/connect.js';
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_PAGE_LINES,
  MAX_CONCURRENCY,
  newJobId,
  reportPaths,
} from './bulkJobs.js';
export { bulkJobWorkflowId, importFriendsWorkflowId } from '../core/definitions.js';
export { loadTemporalSettings, connectClient } from '../connection/connect.js';
export { dataConverterFromEnv } from '../connection/codec.js';
export { loadClientImSettings, SettingsError } from '../config/im.js';
export { JobStartError } from './jobs.js';

/** How to reach the workers that run the imports. */
export interface FriendImporterOptions {
  /** A connected Temporal client (with the same data converter as the workers when payloads are encrypted). */
  client: Client;
  /** The workers' main task queue (`TEMPORAL_TASK_QUEUE`); default `friend-import`. */
  taskQueue?: string;
  /** The IM app (`IM_SDKAPPID`): part of each user's workflow ID and of the rate-limited calls queue. */
  sdkAppId: number;
  /** Items per friend_import call for imports this importer starts (1–1000, default 1000). */
  batchSize?: number;
  /** Further per-user workflow options for imports this importer starts. */
  importOptions?: Partial<Omit<ImportOptions, 'batchSize'>>;
}

/** Options of one service import. */
export interface ImportFriendsOptions {
  /**
   * Makes the call idempotent: the same ID again (e.g. a retry after a timeout) adds the items once
   * while the user's import runs. Default: a random ID (every call adds its items).
   */
  submissionId?: string;
}

/** A bulk job handle, plus where its report goes. */
export interface BulkJob extends BulkJobHandle {
  /**
   * The report files (on the workers' file system) and the job's state. Asks the running job, or
   * reads the finished job's result. A failed job has no result: then only `state` is certain.
   */
  report(): Promise<{ state: string; reportJsonl?: string; reportCsv?: string }>;
}

/** The library's entry point: service imports and bulk jobs against one IM app's workers. */
export interface FriendImporter {
  readonly taskQueue: string;
  readonly sdkAppId: number;
  /** The rate-limited queue the workers run friend_import on (for dashboards). */
  readonly callsTaskQueue: string;
  /**
   * Adds `items` to `fromAccount`'s import, starting it if none runs (one import per user at a
   * time). Resolves once the items are queued; the handle's `outcome()` waits for this call's
   * items (each failure's `ref` is the item's index in `items`), `result()` for the whole import.
   * Items are checked against the field limits first: a bad item fails alone as `rejected`.
   */
  importFriends(
    fromAccount: string,
    items: readonly AddFriendItem[],
    options?: ImportFriendsOptions,
  ): Promise<UserImportHandle>;
  /** The workflow ID of `fromAccount`'s import (to find it in the Temporal UI). */
  userWorkflowId(fromAccount: string): string;
  /**
   * Starts a bulk job for a JSONL or CSV file that the workers can read, or re-attaches when
   * `jobId` names an existing job.
   */
  startJob(options: StartJobOptions): Promise<BulkJob>;
  /** A handle on an existing job: progress, result, pause, resume, cancel, concurrency, report. */
  job(jobId: string): BulkJob;
  /**
   * Starts a verify job for a file (docs/verify.md): does the app hold what the file imports?
   * With `importJobId`, the items that job failed with a permanent code must be absent.
   */
  startVerify(options: StartVerifyOptions): Promise<VerifyJobHandle>;
  /** A handle on an existing verify job. */
  verifyJob(jobId: string): VerifyJobHandle;
  /**
   * Starts a sync job (docs/cli.md, `sync`): brings the app from an older snapshot (`since`), or
   * from what it holds, to a new one — imports added pairs, updates changed ones, and deletes
   * removed ones when `deleteRemoved` is set.
   */
  startSync(options: StartSyncOptions): Promise<SyncJobHandle>;
  /** A handle on an existing sync job. */
  syncJob(jobId: string): SyncJobHandle;
}

/** Builds an importer on a connected client; no network call happens until you use it. */
export function createFriendImporter(options: FriendImporterOptions): FriendImporter {
  if (!Number.isInteger(options.sdkAppId) || options.sdkAppId <= 0)
    throw new RangeError(`sdkAppId must be a positive integer, got ${options.sdkAppId}`);
  const batchSize = options.batchSize ?? MAX_ITEMS_PER_CALL;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_ITEMS_PER_CALL)
    throw new RangeError(`batchSize must be 1–${MAX_ITEMS_PER_CALL}, got ${batchSize}`);
  const taskQueue = options.taskQueue ?? TEMPORAL_DEFAULTS.taskQueue;
  const target: ImportTarget = {
    client: options.client,
    taskQueue,
    callsTaskQueue: callsQueueOf(taskQueue, options.sdkAppId),
    sdkAppId: options.sdkAppId,
    options: { ...options.importOptions, batchSize },
  };
  // Jobs started here carry the importer's app, so workers serving several apps call the right one.
  const bulkTarget = { client: options.client, taskQueue, sdkAppId: options.sdkAppId };
  const withReport = (handle: BulkJobHandle): BulkJob => ({
    ...handle,
    report: () => jobReport(handle),
  });
  return {
    taskQueue,
    sdkAppId: options.sdkAppId,
    callsTaskQueue: target.callsTaskQueue,
    importFriends: (fromAccount, items, opts = {}) => {
      const submitted: SubmittedItem[] = items.map((item, ref) => ({ ref, item }));
      return submitItems(target, fromAccount, submitted, {
        submissionId: opts.submissionId ?? `lib-${randomUUID()}`,
      });
    },
    userWorkflowId: (fromAccount) => importFriendsWorkflowId(options.sdkAppId, fromAccount),
    startJob: async (opts) => withReport(await startBulkJob(bulkTarget, opts)),
    job: (jobId) => withReport(bulkJob(bulkTarget, jobId)),
    startVerify: (opts) => startVerifyJob(bulkTarget, opts),
    verifyJob: (jobId) => verifyJob(bulkTarget, jobId),
    startSync: (opts) => startSyncJob(bulkTarget, opts),
    syncJob: (jobId) => syncJob(bulkTarget, jobId),
  };
}

async function jobReport(handle: BulkJobHandle): Promise<Awaited<ReturnType<BulkJob['report']>>> {
  const status = await handle.status();
  // A finished job's result needs no worker; a running (or failed) one answers the query.
  const known: JobProgress | undefined =
    status === 'COMPLETED' ? await handle.result() : await handle.progress().catch(() => undefined);
  return {
    state: known?.state ?? status.toLowerCase(),
    ...(known?.reportJsonl && { reportJsonl: known.reportJsonl, reportCsv: known.reportCsv }),
  };
}

/** An importer with its own connection; `close()` it when done (an open connection keeps Node alive). */
export interface ConnectedFriendImporter extends FriendImporter {
  client: Client;
  close(): Promise<void>;
}

/**
 * Connects with the same environment variables as the CLI and the worker: TEMPORAL_* (address,
 * namespace, task queue, TLS, API key), IM_SDKAPPID, IM_BATCH_SIZE and FRIEND_IMPORT_CODEC_KEYS
 * (payload encryption; must match the workers').
 */
export async function connectFriendImporter(
  env: Env = process.env,
  options: { dataConverter?: DataConverter } = {},
): Promise<ConnectedFriendImporter> {
  const temporal = loadTemporalSettings(env);
  const im = loadClientImSettings(env);
  const dataConverter = options.dataConverter ?? dataConverterFromEnv(env);
  const { client, connection } = await connectClient(temporal, { dataConverter });
  const importer = createFriendImporter({ client, taskQueue: temporal.taskQueue, ...im });
  return { ...importer, client, close: () => connection.close() };
}
