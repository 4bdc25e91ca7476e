/**
 * `friend-import worker` child processes for any Temporal frontend — the dev server of ./stack.ts
 * or the production-like stack of scripts/prod-stack — configured only by environment, the way an
 * operator runs them, plus a client and an import target on the same cluster.
 */
import { Client, Connection } from '@temporalio/client';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { homedir, tmpdir } from 'node:os';
import { delimiter } from 'node:path';
import type { ImportTarget } from '../../client/userImports.js';
import { LOCAL_IM_APP } from '../../config/im.js';
import { callsTaskQueue } from '../../core/definitions.js';
import { spawnGuarded, waitForOutput } from './childProcess.js';
import { cliEntry, DEMO_DIR, projectRoot } from './temporalCli.js';

interface WorkerSettings {
  /** The frontend, `host:port`. */
  address: string;
  namespace: string;
  taskQueue: string;
  /** The IM service (the emulator in its own process). */
  imBaseUrl: string;
  rateLimit: number;
  batchSize: number;
}

/**
 * The folders a local stack's workers may read sources from and write reports to, unless
 * WORKER_FILE_ROOTS says: the user's home, the system's temporary folder, the folder the stack
 * runs in and the bundled sample. A local stack listens on loopback only, so only this machine
 * can start its jobs.
 */
export function localFileRoots(env: Record<string, string | undefined> = process.env): string[] {
  const set = env.WORKER_FILE_ROOTS?.split(delimiter).filter((r) => r.trim() !== '');
  return set?.length ? set : [homedir(), tmpdir(), process.cwd(), DEMO_DIR];
}

/** The environment of a worker for `s`, on the emulator's local app. */
export function workerEnv(s: WorkerSettings): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: s.address,
    TEMPORAL_NAMESPACE: s.namespace,
    TEMPORAL_TASK_QUEUE: s.taskQueue,
    IM_BASE_URL: s.imBaseUrl,
    IM_SDKAPPID: String(LOCAL_IM_APP.sdkAppId),
    IM_ADMIN_IDENTIFIER: LOCAL_IM_APP.adminIdentifier,
    IM_SECRET_KEY: LOCAL_IM_APP.secretKey,
    IM_RATE_LIMIT: String(s.rateLimit),
    IM_BATCH_SIZE: String(s.batchSize),
    LOG_LEVEL: 'warn',
    WORKER_FILE_ROOTS: localFileRoots().join(delimiter),
  };
}

interface WorkerProcessOptions {
  /** How to run the CLI (default: the sources through tsx). */
  entry?: string[];
  /** Node flags before the entry (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
}

export interface WorkerProcesses {
  /**
   * Starts one more worker; resolves once it printed `ready {…}`. `cwd`: the folder it runs in
   * (default the project's), e.g. one of its own, as a worker on another machine would.
   */
  spawn(extraEnv?: Record<string, string>, options?: { cwd?: string }): Promise<ChildProcess>;
  /** Every worker started so far, alive or not. */
  all(): ChildProcess[];
  alive(): ChildProcess[];
  /** The worker whose Temporal identity (`<pid>@<host>`) this is, if it is ours. */
  byIdentity(identity: string | undefined | null): ChildProcess | undefined;
  /** Everything a worker printed so far (stdout and stderr). */
  outputOf(child: ChildProcess): string;
  /** SIGTERM to every live worker (they drain), SIGKILL to any still there after `graceMs`. */
  stopAll(graceMs?: number): Promise<void>;
}

export function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export function workerProcesses(
  env: Record<string, string>,
  options: WorkerProcessOptions = {},
): WorkerProcesses {
  const entry = options.entry ?? cliEntry();
  const children: ChildProcess[] = [];
  const outputs = new WeakMap<ChildProcess, () => string>();
  return {
    spawn: async (extraEnv = {}, spawnOptions = {}) => {
      const child = spawnGuarded(process.execPath, [...(options.nodeArgs ?? []), ...entry, 'worker'], {
        env: { ...process.env, ...env, ...extraEnv },
        cwd: spawnOptions.cwd ?? projectRoot,
      });
      children.push(child);
      let all = '';
      child.stdout?.on('data', (chunk: Buffer | string) => (all += String(chunk)));
      child.stderr?.on('data', (chunk: Buffer | string) => (all += String(chunk)));
      outputs.set(child, () => all);
      await waitForOutput(child, 'ready {');
      return child;
    },
    all: () => [...children],
    alive: () => children.filter(isAlive),
    byIdentity: (identity) => {
      const pid = Number((identity ?? '').split('@')[0]);
      return children.find((c) => c.pid === pid);
    },
    outputOf: (child) => outputs.get(child)?.() ?? '',
    stopAll: async (graceMs = 45_000) => {
      await Promise.all(
        children.filter(isAlive).map(async (child) => {
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}

/** A client on the cluster and the target `importFriends` and `startBulkJob` need. */
export async function connectTarget(
  s: Pick<WorkerSettings, 'address' | 'namespace' | 'taskQueue' | 'batchSize'>,
): Promise<{ connection: Connection; client: Client; target: ImportTarget }> {
  const connection = await Connection.connect({ address: s.address });
  const client = new Client({ connection, namespace: s.namespace });
  return {
    connection,
    client,
    target: {
      client,
      taskQueue: s.taskQueue,
      callsTaskQueue: callsTaskQueue(s.taskQueue, LOCAL_IM_APP.sdkAppId),
      sdkAppId: LOCAL_IM_APP.sdkAppId,
      options: { batchSize: s.batchSize },
    },
  };
}
