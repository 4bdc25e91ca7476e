/**
 * `friend-import worker`: runs the workers against the configured cluster and IM app. Settings are
 * validated before anything connects; SIGINT/SIGTERM drain in-flight work (bounded by
 * shutdownForceTime) and the process exits.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { codecFromEnv, dataConverterFromEnv } from '../client/codec.js';
import {
  clientConnectionOptions,
  connectClient,
  describeTemporalSettings,
  loadTemporalSettings,
  nativeConnectionOptions,
  type TemporalSettings,
} from '../client/connection.js';
import { describeImSettings, loadImSettings, type Env, type ImSettings } from '../im/config.js';
import { ensureSearchAttributes } from './devServer.js';
import { createLogger, temporalLogger } from './logger.js';
import { createImportWorkers } from './worker.js';
import { z } from 'zod';

const WorkerEnvSchema = z.object({
  WORKER_MAX_CONCURRENT_CALLS: z.coerce.number().int().min(1).max(1000).default(100),
});

export interface RunWorkerOptions {
  env: Env;
  /** IM settings already resolved (the `dev` command passes the emulator's); read from `env` otherwise. */
  im?: ImSettings;
  /** Install the Temporal runtime (logger, signals); false when the caller already did. */
  installRuntime?: boolean;
  onReady?: (info: { taskQueue: string; callsTaskQueue: string }) => void;
}

export async function runWorker(options: RunWorkerOptions): Promise<void> {
  const env = options.env;
  const im = options.im ?? loadImSettings(env);
  const temporal = loadTemporalSettings(env);
  const workerEnv = WorkerEnvSchema.parse(env);
  const dataConverter = dataConverterFromEnv(env);
  const log = createLogger();
  if (options.installRuntime !== false) Runtime.install({ logger: temporalLogger(log) });

  await registerSearchAttributes(temporal, log);
  const connection = await NativeConnection.connect(nativeConnectionOptions(temporal));
  const { client, connection: clientConnection } = await connectClient(temporal, { dataConverter });
  try {
    const workers = await createImportWorkers({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      im,
      client,
      dataConverter,
      maxConcurrentCalls: workerEnv.WORKER_MAX_CONCURRENT_CALLS,
    });
    log.info(
      {
        temporal: describeTemporalSettings(temporal),
        im: describeImSettings(im),
        callsTaskQueue: workers.callsTaskQueue,
        encryption: codecFromEnv(env) ? 'on' : 'off',
      },
      'worker started',
    );
    options.onReady?.({ taskQueue: temporal.taskQueue, callsTaskQueue: workers.callsTaskQueue });
    await workers.run();
    log.info('worker stopped');
  } finally {
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
