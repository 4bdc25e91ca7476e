/**
 * The real local stack for integration tests: a Temporal dev server, the IM emulator over HTTP,
 * and workers — in this process, or as `friend-import worker` child processes (for crash tests).
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { ImportTarget } from '../../lib/serviceImport.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/index.js';
import { LOCAL_IM_APP, type ImSettings } from '../../config/im.js';
import { callsTaskQueue } from '../../core/definitions.js';
import type { ImportOptions } from '../../core/types.js';
import { spawnGuarded, stopChild, waitForOutput } from './childProcess.js';
import { startDevServer, type DevServer, type DevServerOptions } from './devServer.js';
import { projectRoot } from './temporalCli.js';
import { createImportWorkers, type ImportWorkers } from '../../workers/worker.js';

export interface StackOptions {
  emulator?: Partial<EmulatorOptions>;
  devServer?: DevServerOptions;
  rateLimit?: number;
  batchSize?: number;
  importOptions?: Partial<ImportOptions>;
  /** Start an in-process worker (default true). */
  worker?: boolean;
  taskQueue?: string;
}

export interface Stack {
  devServer: DevServer;
  emulator: Emulator;
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
  spawnWorker(extraEnv?: Record<string, string>): Promise<ChildProcess>;
  /** Everything a spawned worker printed so far (stdout and stderr). */
  outputOf(child: ChildProcess): string;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/** Temporal's runtime logs at INFO by default (every failed activity attempt with its stack); tests want errors only. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  quietRuntime();
  const devServer = await startDevServer(options.devServer);
  const emulator = await startEmulator({
    sdkAppId: LOCAL_IM_APP.sdkAppId,
    adminIdentifiers: [LOCAL_IM_APP.adminIdentifier],
    secretKey: LOCAL_IM_APP.secretKey,
    rateLimit: 0,
    ...options.emulator,
  });
  const im: ImSettings = {
    baseUrl: emulator.baseUrl,
    sdkAppId: LOCAL_IM_APP.sdkAppId,
    adminIdentifier: LOCAL_IM_APP.adminIdentifier,
    secretKey: LOCAL_IM_APP.secretKey,
    rateLimit: options.rateLimit ?? 200,
    batchSize: options.batchSize ?? 1000,
    timeoutMs: 10_000,
  };
  const taskQueue = options.taskQueue ?? 'friend-import';
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
  };

  const outputs = new WeakMap<ChildProcess, () => string>();
  const running: { workers: ImportWorkers; done: Promise<void>; connection: NativeConnection }[] = [];
  const children: ChildProcess[] = [];

  const startWorker = async (
    overrides: Partial<ImSettings> = {},
    workerOptions: { role?: 'all' | 'calls' | 'main' } = {},
  ): Promise<ImportWorkers> => {
    const native = await NativeConnection.connect({ address: devServer.address });
    const workers = await createImportWorkers({
      connection: native,
      namespace: devServer.namespace,
      taskQueue,
      im: { ...im, ...overrides },
      client,
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
  const spawnWorker = async (extraEnv: Record<string, string> = {}): Promise<ChildProcess> => {
    const child = spawnGuarded(
      process.execPath,
      ['--import', 'tsx', join(projectRoot, 'cli', 'main.ts'), 'worker'],
      {
        env: { ...process.env, ...env, ...extraEnv },
        cwd: projectRoot,
      },
    );
    children.push(child);
    let all = '';
    child.stdout?.on('data', (chunk: Buffer | string) => (all += String(chunk)));
    child.stderr?.on('data', (chunk: Buffer | string) => (all += String(chunk)));
    outputs.set(child, () => all);
    // The worker prints `ready {…}` on stdout once its workers exist.
    await waitForOutput(child, 'ready {');
    return child;
  };

  if (options.worker !== false) await startWorker();

  return {
    devServer,
    emulator,
    connection,
    client,
    im,
    taskQueue,
    target,
    env,
    startWorker,
    stopWorkers,
    spawnWorker,
    outputOf: (child) => outputs.get(child)?.() ?? '',
    stop: async () => {
      await stopWorkers();
      for (const c of children) await stopChild(c, 5_000);
      await connection.close();
      await emulator.close();
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
