/**
 * The one local stack (docs/cli.md, `dev` and `demo`): a Temporal dev server, the IM emulator over
 * HTTP (unless the IM app is a real one), and workers — in this process, or as `friend-import
 * worker` child processes. `dev`, `demo`, the integration tests and the benchmarks all start it here.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Logger } from '@temporalio/worker';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { delimiter } from 'node:path';
import type { ImportTarget } from '../../client/userImports.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/index.js';
import { LOCAL_IM_APP, type ImSettings } from '../../config/im.js';
import { loadNotifySettings } from '../../config/notify.js';
import { callsTaskQueue } from '../../core/definitions.js';
import type { ImportOptions } from '../../core/userImportTypes.js';
import { stopChild } from './childProcess.js';
import { startDevServer, type DevServer, type DevServerOptions } from './devServer.js';
import { localFileRoots, workerProcesses } from './workerProcesses.js';
import { createImportWorkers, type ImportWorkers } from '../../workers/worker.js';

export interface StackOptions {
  /** The emulator's options, or `false` for none (`im` then names the real app). */
  emulator?: Partial<EmulatorOptions> | false;
  devServer?: DevServerOptions;
  /** The IM app (default: the embedded local app on the emulator, unlimited by the emulator). */
  im?: ImSettings;
  rateLimit?: number;
  batchSize?: number;
  importOptions?: Partial<ImportOptions>;
  /** Start an in-process worker (default true). */
  worker?: boolean;
  taskQueue?: string;
  /** The Temporal runtime's logger for in-process workers (default: errors only). */
  logger?: Logger;
  /** The folders the stack's workers may read and write (default: `localFileRoots()`). */
  fileRoots?: readonly string[];
}

export interface Stack {
  devServer: DevServer;
  emulator: Emulator;
  /** The URL the workers send IM calls to. */
  imBaseUrl: string;
  connection: Connection;
  client: Client;
  im: ImSettings;
  taskQueue: string;
  target: ImportTarget;
  /** Environment for a `friend-import` child process talking to this stack. */
  env: Record<string, string>;
  /**
   * Starts an in-process worker; `im` overrides the app settings it uses (e.g. a wrong key) and
   * `role` runs only the IM-calls worker or only the main one.
   */
  startWorker(
    im?: Partial<ImSettings>,
    options?: { role?: 'all' | 'calls' | 'main' },
  ): Promise<ImportWorkers>;
  stopWorkers(): Promise<void>;
  spawnWorker(extraEnv?: Record<string, string>, options?: { cwd?: string }): Promise<ChildProcess>;
  /** Everything a spawned worker printed so far (stdout and stderr). */
  outputOf(child: ChildProcess): string;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * Installs Temporal's runtime for in-process workers, once. Its default logs every failed activity
 * attempt with its stack at INFO; the stack's users want errors only unless they pass a logger.
 * Signals are left to the caller, which stops the stack in order.
 */
export function quietRuntime(logger: Logger = new DefaultLogger('ERROR')): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger, shutdownSignals: [] });
}

export async function startStack(
  options: StackOptions & { emulator: false },
): Promise<Omit<Stack, 'emulator'> & { emulator?: undefined }>;
export async function startStack(options?: StackOptions): Promise<Stack>;
export async function startStack(
  options: StackOptions = {},
): Promise<Omit<Stack, 'emulator'> & { emulator?: Emulator }> {
  const app = options.im ?? {
    baseUrl: '',
    sdkAppId: LOCAL_IM_APP.sdkAppId,
    adminIdentifier: LOCAL_IM_APP.adminIdentifier,
    secretKey: LOCAL_IM_APP.secretKey,
    rateLimit: options.rateLimit ?? 200,
    batchSize: options.batchSize ?? 1000,
    timeoutMs: 10_000,
  };
  const emulator =
    options.emulator === false
      ? undefined
      : await startEmulator({
          sdkAppId: app.sdkAppId,
          adminIdentifiers: [app.adminIdentifier],
          secretKey: app.secretKey,
          rateLimit: 0,
          ...options.emulator,
        });
  let devServer: DevServer;
  try {
    devServer = await startDevServer(options.devServer);
  } catch (err) {
    await emulator?.close();
    throw err;
  }
  const im: ImSettings = { ...app, baseUrl: emulator?.baseUrl ?? app.baseUrl };
  const taskQueue = options.taskQueue ?? 'friend-import';
  const fileRoots = options.fileRoots ?? localFileRoots();
  const connection = await Connection.connect({ address: devServer.address });
  const client = new Client({ connection, namespace: devServer.namespace });
  const target: ImportTarget = {
    client,
    taskQueue,
    callsTaskQueue: callsTaskQueue(taskQueue, im.sdkAppId),
    sdkAppId: im.sdkAppId,
    options: { batchSize: im.batchSize, ...options.importOptions },
  };
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: devServer.address,
    TEMPORAL_NAMESPACE: devServer.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    IM_BASE_URL: im.baseUrl,
    IM_SDKAPPID: String(im.sdkAppId),
    IM_ADMIN_IDENTIFIER: im.adminIdentifier,
    IM_SECRET_KEY: im.secretKey,
    IM_RATE_LIMIT: String(im.rateLimit),
    IM_BATCH_SIZE: String(im.batchSize),
    LOG_LEVEL: 'warn',
    WORKER_FILE_ROOTS: fileRoots.join(delimiter),
  };

  const running: { workers: ImportWorkers; done: Promise<void>; connection: NativeConnection }[] = [];

  const startWorker = async (
    overrides: Partial<ImSettings> = {},
    workerOptions: { role?: 'all' | 'calls' | 'main' } = {},
  ): Promise<ImportWorkers> => {
    quietRuntime(options.logger);
    // The job-end notifications' secret, as a `friend-import worker` reads it (config/notify.ts).
    const notify = loadNotifySettings(process.env);
    const native = await NativeConnection.connect({ address: devServer.address });
    const workers = await createImportWorkers({
      connection: native,
      namespace: devServer.namespace,
      taskQueue,
      im: { ...im, ...overrides },
      client,
      fileRoots,
      ...(notify.secret !== undefined && { notifySecret: notify.secret }),
      ...workerOptions,
    });
    running.push({ workers, done: workers.run(), connection: native });
    return workers;
  };
  const stopWorkers = async (): Promise<void> => {
    for (const r of running.splice(0)) {
      r.workers.shutdown();
      await r.done;
      await r.connection.close();
    }
  };
  const processes = workerProcesses(env);
  const spawnWorker = (extraEnv: Record<string, string> = {}, spawnOptions = {}): Promise<ChildProcess> =>
    processes.spawn(extraEnv, spawnOptions);

  if (options.worker !== false) await startWorker();

  return {
    devServer,
    emulator,
    imBaseUrl: im.baseUrl,
    connection,
    client,
    im,
    taskQueue,
    target,
    env,
    startWorker,
    stopWorkers,
    spawnWorker,
    outputOf: (child) => processes.outputOf(child),
    stop: async () => {
      await stopWorkers();
      for (const c of processes.all()) await stopChild(c, 5_000);
      await connection.close();
      await emulator?.close();
      await devServer.stop();
    },
  };
}

/** Kills a child with SIGKILL and waits for it to be gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
