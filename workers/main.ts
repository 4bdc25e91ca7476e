/**
 * `friend-import worker`: runs the workers against the configured cluster and IM app. Settings are
 * validated before anything connects; SIGINT/SIGTERM drain in-flight work (bounded by
 * shutdownForceTime) and the process exits.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { codecFromEnv, dataConverterFromEnv } from '../connection/codec.js';
import {
  clientConnectionOptions,
  connectClient,
  describeTemporalSettings,
  loadTemporalSettings,
  nativeConnectionOptions,
  type TemporalSettings,
} from '../connection/connect.js';
import { describeImSettings, type Env, type ImSettings } from '../config/im.js';
import { loadImApps } from '../config/imApps.js';
import { loadWorkerSettings } from '../config/worker.js';
import { describeNotifySettings, loadNotifySettings } from '../config/notify.js';
import { loadObjectStoreSettings } from '../config/objectStore.js';
import { probeBucket } from '../formats/storage/objects.js';
import { configureObjectStore } from '../formats/storage/settings.js';
import { ensureSearchAttributes } from './registerSearchAttributes.js';
import { startHealthServer } from './health.js';
import { createLogger, temporalLogger } from './logger.js';
import { createImportMetrics } from './metrics.js';
import { createImportWorkers } from './worker.js';

interface RunWorkerOptions {
  env: Env;
  /**
   * IM settings already resolved (the `dev` command passes the emulator's); read from `env`
   * otherwise: the apps of IM_APPS_FILE, or the one app of the IM_* variables.
   */
  im?: ImSettings;
  /** Install the Temporal runtime (logger, signals); false when the caller already did. */
  installRuntime?: boolean;
  onReady?: (info: {
    taskQueue: string;
    callsTaskQueue: string;
    /** Every app's calls queue, when the worker serves several. */
    callsTaskQueues?: string[];
    healthUrl?: string;
  }) => void;
}

export async function runWorker(options: RunWorkerOptions): Promise<void> {
  const env = options.env;
  const apps = options.im ? [options.im] : loadImApps(env);
  const temporal = loadTemporalSettings(env);
  const workerEnv = loadWorkerSettings(env);
  const notify = loadNotifySettings(env);
  // s3:// sources and reports: the AWS_* settings are read when a job first uses the store, and
  // checked now when this worker may use one.
  configureObjectStore(() => loadObjectStoreSettings(env));
  if (workerEnv.WORKER_OBJECT_ROOTS) loadObjectStoreSettings(env);
  const dataConverter = dataConverterFromEnv(env);
  const log = createLogger(workerEnv.LOG_LEVEL);
  if (workerEnv.WORKER_OBJECT_ROOTS) await probeObjectRoots(workerEnv.WORKER_OBJECT_ROOTS, log);
  if (options.installRuntime !== false)
    Runtime.install({
      logger: temporalLogger(log),
      ...(workerEnv.WORKER_METRICS_PORT !== undefined && {
        telemetryOptions: {
          metrics: {
            prometheus: { bindAddress: `${workerEnv.WORKER_BIND_HOST}:${workerEnv.WORKER_METRICS_PORT}` },
          },
        },
      }),
    });
  if (temporal.defaulted.length > 0)
    log.warn({ defaulted: temporal.defaulted }, 'Temporal settings not set, using their defaults');
  const metrics = createImportMetrics(Runtime.instance().metricMeter);

  await registerSearchAttributes(temporal, log);
  const connection = await NativeConnection.connect(nativeConnectionOptions(temporal));
  const { client, connection: clientConnection } = await connectClient(temporal, { dataConverter });
  let health: Awaited<ReturnType<typeof startHealthServer>> | undefined;
  try {
    const workers = await createImportWorkers({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      apps,
      client,
      dataConverter,
      role: workerEnv.WORKER_ROLE,
      maxConcurrentCalls: workerEnv.WORKER_MAX_CONCURRENT_CALLS,
      maxConcurrentPages: workerEnv.WORKER_MAX_CONCURRENT_PAGES,
      heapBudgetMb: workerEnv.WORKER_HEAP_BUDGET_MB,
      maxCachedWorkflows: workerEnv.WORKER_MAX_CACHED_WORKFLOWS,
      ...(workerEnv.WORKER_FILE_ROOTS && { fileRoots: workerEnv.WORKER_FILE_ROOTS }),
      ...(workerEnv.WORKER_OBJECT_ROOTS && { objectRoots: workerEnv.WORKER_OBJECT_ROOTS }),
      ...(notify.secret !== undefined && { notifySecret: notify.secret }),
      metrics,
      onUserSigRenew: () => metrics.userSigRenewed(),
    });
    if (workerEnv.WORKER_HEALTH_PORT !== undefined)
      health = await startHealthServer(workerEnv.WORKER_BIND_HOST, workerEnv.WORKER_HEALTH_PORT, () => {
        const states = Object.fromEntries(workers.workers.map((w) => [w.options.taskQueue, w.getState()]));
        return { ready: Object.values(states).every((st) => st === 'RUNNING'), detail: { workers: states } };
      });
    log.info(
      {
        temporal: describeTemporalSettings(temporal),
        ...(apps.length === 1
          ? { im: describeImSettings(apps[0]!), callsTaskQueue: workers.callsTaskQueue }
          : { apps: apps.map(describeImSettings), callsTaskQueues: workers.callsTaskQueues }),
        workflowBundle: workers.bundle,
        encryption: codecFromEnv(env) ? 'on' : 'off',
        notify: describeNotifySettings(notify),
        metrics: workerEnv.WORKER_METRICS_PORT,
        health: health?.url,
      },
      'worker started',
    );
    options.onReady?.({
      taskQueue: temporal.taskQueue,
      callsTaskQueue: workers.callsTaskQueue,
      ...(apps.length > 1 && { callsTaskQueues: workers.callsTaskQueues }),
      ...(health && { healthUrl: health.url }),
    });
    await workers.run();
    log.info('worker stopped');
  } finally {
    await health?.close();
    await clientConnection.close();
    await connection.close();
  }
}

/** Our search attributes must exist before the first workflow upserts them; a cluster that refuses is told in the log. */
async function registerSearchAttributes(
  temporal: TemporalSettings,
  log: ReturnType<typeof createLogger>,
): Promise<void> {
  const connection = await Connection.connect(clientConnectionOptions(temporal));
  try {
    const added = await ensureSearchAttributes(connection, temporal.namespace);
    if (added.length > 0) log.info({ added }, 'registered search attributes');
  } catch (err) {
    log.warn(
      { error: (err as Error).message },
      'could not check or register the search attributes; register them with `temporal operator search-attribute create`',
    );
  } finally {
    await connection.close();
  }
}

/**
 * Asks the store for each object root's bucket: a worker whose keys or endpoint are wrong says so
 * when it starts, not when its first page fails. The store may be down for a moment, so the worker
 * starts anyway and a page retries.
 */
async function probeObjectRoots(
  roots: readonly string[],
  log: ReturnType<typeof createLogger>,
): Promise<void> {
  for (const root of roots)
    await probeBucket(root).catch((err: unknown) =>
      log.warn({ root, error: (err as Error).message }, 'cannot reach an object root (WORKER_OBJECT_ROOTS)'),
    );
}
