/**
 * The worker process's Temporal workers (docs/architecture.md):
 * - the main task queue runs the workflows (per-user imports, bulk jobs, the app coordinator) and
 *   the bulk job's page activity, which makes its own friend_import calls;
 * - the app's calls queue runs the user import's friendImport, with
 *   `maxTaskQueueActivitiesPerSecond` at the app's rate as an outer bound.
 * Both kinds of calls take their share of the app's rate, and their users, from the app
 * coordinator; no static split between workers is involved.
 *
 * A worker may serve several IM apps (docs/configuration.md, "Several IM apps"): each app has its
 * own IM client (its secret, its UserSig), its own coordinator, holder and calls queue; the main
 * and coordinator workers are shared, and their activities pick the app by the SDKAppID in their
 * input (activities/appRouting.ts).
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
import { routeFriendImport, routeJobActivities } from '../activities/appRouting.js';
import { createNotifyActivities } from '../activities/notify.js';
import type { JobActivities, ServiceActivities } from '../core/activities.js';
import { callsTaskQueue, coordinatorTaskQueue } from '../core/definitions.js';
import { workerWorkflowBundle } from './bundle.js';
import { startHeapGuard } from './heapGuard.js';

interface ImportWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** The one IM app this worker serves (or give `apps`). */
  im?: ImSettings;
  /** The IM apps this worker serves (IM_APPS_FILE): SDKAppIDs distinct. */
  apps?: readonly ImSettings[];
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
  /** The `s3://bucket[/prefix]` locations jobs may use (activities/fileRoots.ts); default: none. */
  objectRoots?: readonly string[];
  /** Signs job-end notifications (FRIEND_IMPORT_NOTIFY_SECRET, config/notify.ts); absent: unsigned. */
  notifySecret?: string;
}

export interface ImportWorkers {
  workers: Worker[];
  /** Where the workflow code came from: the build's prebuilt bundle, or bundled at start-up. */
  bundle: 'prebuilt' | 'bundled at start' | 'none';
  /** The first app's calls queue (the only one for a single-app worker). */
  callsTaskQueue: string;
  /** Every served app's calls queue, in the order of the apps. */
  callsTaskQueues: string[];
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

/** The served apps, checked: at least one, each SDKAppID once. */
function servedApps(options: ImportWorkerOptions): readonly ImSettings[] {
  const apps = options.apps ?? (options.im ? [options.im] : []);
  if (apps.length === 0) throw new RangeError('createImportWorkers needs `im` or `apps`');
  const ids = apps.map((a) => a.sdkAppId);
  if (new Set(ids).size !== ids.length) throw new RangeError(`IM apps listed twice: ${ids.join(', ')}`);
  return apps;
}

/** One app's own parts: its client, holder, coordinator sender and activities. */
interface AppParts {
  settings: ImSettings;
  calls: string;
  friendImport: ServiceActivities['friendImport'];
  jobs: JobActivities;
}

export async function createImportWorkers(options: ImportWorkerOptions): Promise<ImportWorkers> {
  const role = options.role ?? 'all';
  const apps = servedApps(options);
  const identity = options.identity ?? `${process.pid}@${hostname()}`;
  // Unset options must be absent, not undefined: the SDK treats an explicit undefined as a value.
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    identity,
    ...(options.dataConverter && { dataConverter: options.dataConverter }),
    ...SHUTDOWN,
  };
  const roots = await FileRoots.open(options.fileRoots ?? [process.cwd()], options.objectRoots);
  const workers: Worker[] = [];
  const closers: (() => Promise<void>)[] = [];
  const parts: AppParts[] = apps.map((settings) => {
    const im = new ImClient({ ...settings, onUserSigRenew: options.onUserSigRenew });
    const capacity = appRates(settings);
    const sendLease = coordinatorSender({
      client: options.client,
      taskQueue: options.taskQueue,
      sdkAppId: settings.sdkAppId,
    });
    // One holder per process and app for every user-import call it makes: the quick path's local
    // tries (on the main worker) and the friendImport activities of the calls queue share its
    // leases and rate.
    const service = new ServiceHolder({
      send: sendLease,
      capacity,
      identity,
      callBudgetMs: im.timeoutMs + 2_000,
    });
    closers.push(() => service.close());
    return {
      settings,
      calls: callsTaskQueue(options.taskQueue, settings.sdkAppId),
      friendImport: createFriendImportActivity({ im, service, metrics: options.metrics }),
      jobs: createBulkActivities({
        im,
        roots,
        client: options.client,
        sendLease,
        capacity,
        batchSize: settings.batchSize,
        ...(options.metrics && { onCall: (code: number) => options.metrics?.call(code) }),
      }),
    };
  });
  const byApp = <T>(of: (p: AppParts) => T): Map<number, T> =>
    new Map(parts.map((p) => [p.settings.sdkAppId, of(p)]));
  const friendImport = routeFriendImport(byApp((p) => p.friendImport));
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
          ...routeJobActivities(byApp((p) => p.jobs)),
          // A job's end notification (workflows/notifyEnd.ts): no IM app involved.
          ...createNotifyActivities(
            options.notifySecret === undefined ? {} : { secret: options.notifySecret },
          ),
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
    // Each app's calls queue at that app's rate; a call that names no app is its queue's app's.
    for (const app of parts)
      workers.push(
        await Worker.create({
          ...common,
          taskQueue: app.calls,
          activities: {
            friendImport: routeFriendImport(
              byApp((p) => p.friendImport),
              app.settings.sdkAppId,
            ),
          },
          maxTaskQueueActivitiesPerSecond: app.settings.rateLimit,
          maxConcurrentActivityTaskExecutions: options.maxConcurrentCalls ?? 100,
          maxConcurrentActivityTaskPolls: 10,
        }),
      );
  }
  return {
    workers,
    bundle,
    callsTaskQueue: parts[0]!.calls,
    callsTaskQueues: parts.map((p) => p.calls),
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
