/**
 * The worker process's Temporal workers (docs/architecture.md):
 * - the main task queue runs the workflows (per-user imports, bulk jobs, the app coordinator) and
 *   the bulk job's page activity, which makes its own friend_import calls;
 * - the app's calls queue runs the user import's friendImport, with
 *   `maxTaskQueueActivitiesPerSecond` at the app's rate as an outer bound.
 * Both kinds of calls take their share of the app's rate, and their users, from the app
 * coordinator; no static split between workers is involved.
 */
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { hostname } from 'node:os';
import { ImClient } from '../im/node/client.js';
import { appRates, type ImSettings } from '../config/im.js';
import { createBulkActivities } from '../activities/bulk.js';
import { FileRoots } from '../activities/fileRoots.js';
import { ServiceHolder } from '../coordination/holder/serviceHolder.js';
import { coordinatorSender } from '../coordination/holder/transport.js';
import { createFriendImportActivity, type FriendImportMetrics } from '../activities/friendImportActivity.js';
import { callsTaskQueue, coordinatorTaskQueue } from '../core/definitions.js';
import { workerWorkflowBundle } from './bundle.js';
import { startHeapGuard } from './heapGuard.js';

interface ImportWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  im: ImSettings;
  dataConverter?: DataConverter;
  /** The client the activities reach the app coordinator and the bulk jobs with. */
  client: Client;
  /** friendImport calls one worker runs at once (each waits on one HTTP answer). */
  maxConcurrentCalls?: number;
  /** Bulk pages one worker runs at once (each is one holder with its own calls in flight). */
  maxConcurrentPages?: number;
  /** Workflows kept in memory between their tasks (default 200). */
  maxCachedWorkflows?: number;
  metrics?: FriendImportMetrics;
  onUserSigRenew?: () => void;
  identity?: string;
  /** Only the user imports' calls worker, or only the main one. */
  role?: 'all' | 'calls' | 'main';
  /** JavaScript heap this process aims to stay under, MiB (0: leave it to V8); see heapGuard.ts. */
  heapBudgetMb?: number;
  /** The folders jobs may read and write (activities/fileRoots.ts); default: the working folder. */
  fileRoots?: readonly string[];
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

/** User imports, bulk jobs and verify jobs kept in memory between their workflow tasks. */
const DEFAULT_MAX_CACHED_WORKFLOWS = 1_000;
/** Workflow tasks (and the local first tries inside them) one worker process runs at once. */
const DEFAULT_WORKFLOW_TASK_SLOTS = 200;

/** Shared by every worker we run: bounded shutdown (an activity ignoring cancellation cannot hang it). */
const SHUTDOWN: Pick<WorkerOptions, 'shutdownGraceTime' | 'shutdownForceTime'> = {
  shutdownGraceTime: '10s',
  shutdownForceTime: '30s',
};

export async function createImportWorkers(options: ImportWorkerOptions): Promise<ImportWorkers> {
  const role = options.role ?? 'all';
  const calls = callsTaskQueue(options.taskQueue, options.im.sdkAppId);
  const identity = options.identity ?? `${process.pid}@${hostname()}`;
  // Unset options must be absent, not undefined: the SDK treats an explicit undefined as a value.
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    identity,
    ...(options.dataConverter && { dataConverter: options.dataConverter }),
    ...SHUTDOWN,
  };
  const im = new ImClient({ ...options.im, onUserSigRenew: options.onUserSigRenew });
  const roots = await FileRoots.open(options.fileRoots ?? [process.cwd()]);
  const capacity = appRates(options.im);
  const sendLease = coordinatorSender({
    client: options.client,
    taskQueue: options.taskQueue,
    sdkAppId: options.im.sdkAppId,
  });
  const workers: Worker[] = [];
  const closers: (() => Promise<void>)[] = [];
  // One holder per process for every user-import call it makes: the quick path's local tries (on
  // the main worker) and the friendImport activities of the calls queue share its leases and rate.
  const service = new ServiceHolder({
    send: sendLease,
    capacity,
    identity,
    callBudgetMs: im.timeoutMs + 2_000,
  });
  closers.push(() => service.close());
  const friendImport = createFriendImportActivity({ im, service, metrics: options.metrics });
  let bundle: ImportWorkers['bundle'] = 'none';
  if (role !== 'calls') {
    const code = await workerWorkflowBundle();
    bundle = 'codePath' in code ? 'prebuilt' : 'bundled at start';
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: options.taskQueue,
        workflowBundle: code,
        activities: {
          ...createBulkActivities({
            im,
            roots,
            client: options.client,
            sendLease,
            capacity,
            batchSize: options.im.batchSize,
            ...(options.metrics && { onCall: (code: number) => options.metrics?.call(code) }),
          }),
          // The quick path's first try of a user import's batch runs here, as a local activity.
          friendImport,
        },
        maxCachedWorkflows: options.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
        // A user import's workflow task stays open while its local first try waits for its rate
        // slot and its answer: many at once, each mostly waiting, are what carries the app's rate.
        maxConcurrentWorkflowTaskExecutions: DEFAULT_WORKFLOW_TASK_SLOTS,
        maxConcurrentLocalActivityExecutions: DEFAULT_WORKFLOW_TASK_SLOTS,
        maxConcurrentActivityTaskExecutions: options.maxConcurrentPages ?? 20,
        // A page's heartbeat is its checkpoint and what the UI and the CLI show: every 2 s.
        maxHeartbeatThrottleInterval: '2s',
      }),
    );
  }
  if (role !== 'calls') {
    // The app coordinator on its own queue: it never waits behind user imports for a slot. Its
    // workflow tasks are small and few (coordination/rules/leases.ts, pure and bounded by its state), so they
    // run on this process's main thread — the SDK's `debugMode` is that switch, and it also lifts
    // the SDK's time limit on a task — as a workflow thread of its own costs ~35 MiB per process.
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: coordinatorTaskQueue(options.taskQueue),
        workflowBundle: await workerWorkflowBundle(),
        maxCachedWorkflows: 4,
        maxConcurrentWorkflowTaskExecutions: 4,
        debugMode: true,
        maxConcurrentActivityTaskExecutions: 1,
        maxConcurrentLocalActivityExecutions: 1,
      }),
    );
  }
  if (role !== 'main') {
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
      const heap = startHeapGuard(options.heapBudgetMb);
      try {
        await Promise.all(workers.map((w) => w.run()));
      } finally {
        heap.stop();
        for (const close of closers) await close();
      }
    },
    shutdown: () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
