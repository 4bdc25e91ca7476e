/**
 * The worker process's Temporal workers (product.md §4):
 * - the main task queue runs the workflows and the activities that are not IM calls;
 * - the app's calls queue runs only friendImport, with `maxTaskQueueActivitiesPerSecond` set to the
 *   app's rate, so the matching service holds every worker together to it (G2; retries count).
 */
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { ImClient } from '../im/client.js';
import type { ImSettings } from '../im/config.js';
import { createBulkActivities } from '../activities/bulk.js';
import { CallWindow } from '../activities/callWindow.js';
import { createFriendImportActivity, type FriendImportMetrics } from '../activities/friendImport.js';
import { callsTaskQueue } from '../workflows/definitions.js';
import { workerWorkflowBundle } from './bundle.js';

export interface ImportWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  im: ImSettings;
  dataConverter?: DataConverter;
  /** The client the bulk-job activities deliver items with (Update-with-Start on users' workflows). */
  client: Client;
  /** friendImport calls one worker runs at once (each waits on one HTTP answer). */
  maxConcurrentCalls?: number;
  /** Per-process pacing on top of the task-queue rate (default on; see activities/callWindow.ts). */
  callWindow?: boolean;
  /** This process's calls per second (default: the app's rate). */
  callsPerSecond?: number;
  /** Workflows kept in memory between their tasks (default 500). */
  maxCachedWorkflows?: number;
  metrics?: FriendImportMetrics;
  onUserSigRenew?: () => void;
  identity?: string;
  /** Only the IM-calls worker (e.g. a dedicated calls pool), or only the main one. */
  role?: 'all' | 'calls' | 'main';
}

export interface ImportWorkers {
  workers: Worker[];
  /** Where the workflow code came from: the build's prebuilt bundle, or bundled at start-up. */
  bundle: 'prebuilt' | 'bundled at start' | 'none';
  callsTaskQueue: string;
  /** Runs until shutdown (SIGINT/SIGTERM or `shutdown()`), then resolves. */
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * A user's import runs a few tasks within a second or two; 500 cached runs covers a bulk job's
 * default 300 users in flight plus service imports, at about 0.2 MB each.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 500;

/** Shared by every worker we run: bounded shutdown (an activity ignoring cancellation cannot hang it). */
const SHUTDOWN: Pick<WorkerOptions, 'shutdownGraceTime' | 'shutdownForceTime'> = {
  shutdownGraceTime: '10s',
  shutdownForceTime: '30s',
};

export async function createImportWorkers(options: ImportWorkerOptions): Promise<ImportWorkers> {
  const role = options.role ?? 'all';
  const calls = callsTaskQueue(options.taskQueue, options.im.sdkAppId);
  // Unset options must be absent, not undefined: the SDK treats an explicit undefined as a value.
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    ...(options.dataConverter && { dataConverter: options.dataConverter }),
    ...(options.identity && { identity: options.identity }),
    ...SHUTDOWN,
  };
  const workers: Worker[] = [];
  let bundle: ImportWorkers['bundle'] = 'none';
  if (role !== 'calls') {
    const code = await workerWorkflowBundle();
    bundle = 'codePath' in code ? 'prebuilt' : 'bundled at start';
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: options.taskQueue,
        workflowBundle: code,
        activities: createBulkActivities({
          client: options.client,
          target: {
            client: options.client,
            taskQueue: options.taskQueue,
            callsTaskQueue: calls,
            sdkAppId: options.im.sdkAppId,
            options: { batchSize: options.im.batchSize },
          },
        }),
        maxCachedWorkflows: options.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
        maxConcurrentWorkflowTaskExecutions: 100,
        maxConcurrentActivityTaskExecutions: 50,
      }),
    );
  }
  if (role !== 'main') {
    const im = new ImClient({ ...options.im, onUserSigRenew: options.onUserSigRenew });
    const friendImport = createFriendImportActivity({
      im,
      window:
        options.callWindow === false
          ? undefined
          : new CallWindow(options.callsPerSecond ?? options.im.rateLimit),
      metrics: options.metrics,
    });
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: calls,
        activities: { friendImport },
        maxTaskQueueActivitiesPerSecond: options.im.rateLimit,
        maxConcurrentActivityTaskExecutions: options.maxConcurrentCalls ?? 100,
        maxConcurrentActivityTaskPolls: 10,
      }),
    );
  }
  return {
    workers,
    bundle,
    callsTaskQueue: calls,
    run: async () => {
      await Promise.all(workers.map((w) => w.run()));
    },
    shutdown: () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
