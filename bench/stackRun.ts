/**
 * One benchmark stack: a fresh Temporal dev server, the emulator in its own process (its arrival
 * stamps must not share an event loop with a worker), and `friend-import worker` child processes
 * with IM_RATE_LIMIT / IM_BATCH_SIZE as in production. Samples the processes while a run goes on.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorStats } from '../emulator/index.js';
import { spawnEmulator, type RemoteEmulator } from '../test/support/remoteEmulator.js';
import { openEmulatorState, diffFriends, type StateDiff } from '../test/support/emulatorState.js';
import { startStack, type Stack } from '../cli/stack/stack.js';
import { stopChild } from '../cli/stack/childProcess.js';
import { workerProcesses } from '../cli/stack/workerProcesses.js';
import type { UserRecord } from './dataset.js';
import { frontendRequests, procSample, type ProcSample } from './probe.js';

export interface BenchStackOptions {
  accountsFile: string;
  rate: number;
  batchSize: number;
  /** How long the emulator holds each write (a stand-in for the service's latency). */
  writeLatencyMs: number;
  /** Worker processes (the app coordinator shares the rate among them). */
  workers: number;
  /** `--cpu-prof` the workers into this folder. */
  cpuProfDir?: string;
  /** Further Node flags for the worker processes (e.g. `--max-old-space-size=256`). */
  workerNodeArgs?: string[];
  /** No Temporal at all (the plain script's run). */
  emulatorOnly?: boolean;
  /** The emulator keeps a log of its calls (`calls()`), for order checks. */
  recordCalls?: boolean;
}

export interface BenchStack {
  dir: string;
  emulator: RemoteEmulator;
  emulatorDb: string;
  stack?: Stack;
  workers: ChildProcess[];
  pids(): Record<string, number>;
  sample(): Promise<Sample>;
  /** Stops everything; the emulator's state stays in `emulatorDb`. */
  stop(): Promise<void>;
}

export interface Sample {
  at: number;
  procs: Record<string, ProcSample | undefined>;
  frontend: Record<string, number>;
  emulator: EmulatorStats;
}

export async function startBenchStack(o: BenchStackOptions): Promise<BenchStack> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-'));
  const emulatorDb = join(dir, 'emulator.sqlite');
  const emulator = await spawnEmulator({
    accountsFile: o.accountsFile,
    rateLimit: o.rate,
    writeLatencyMs: o.writeLatencyMs,
    db: emulatorDb,
    ...(o.recordCalls && { recordCalls: true }),
  });
  let stack: Stack | undefined;
  const workers: ChildProcess[] = [];
  try {
    if (!o.emulatorOnly) {
      stack = await startStack({ worker: false, rateLimit: o.rate, batchSize: o.batchSize });
      for (let i = 0; i < o.workers; i++)
        workers.push(
          await spawnWorker(
            {
              ...stack.env,
              IM_BASE_URL: emulator.baseUrl,
              IM_RATE_LIMIT: String(o.rate),
              IM_BATCH_SIZE: String(o.batchSize),
            },
            [
              ...(o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : []),
              ...(o.workerNodeArgs ?? []),
            ],
          ),
        );
    }
  } catch (err) {
    await stack?.stop();
    await emulator.stop();
    throw err;
  }
  const pids = (): Record<string, number> => ({
    ...(stack && { devServer: stack.devServer.pid }),
    emulator: emulator.pid,
    ...Object.fromEntries(workers.map((w, i) => [`worker${i}`, w.pid ?? -1])),
  });
  return {
    dir,
    emulator,
    emulatorDb,
    stack,
    workers,
    pids,
    sample: async () => ({
      at: performance.now(),
      procs: Object.fromEntries(Object.entries(pids()).map(([k, pid]) => [k, procSample(pid)])),
      frontend: stack ? await frontendRequests(stack.devServer.metricsUrl) : {},
      emulator: await emulator.stats(),
    }),
    stop: async () => {
      // SIGTERM first: a worker drains and exits, which is when --cpu-prof writes its profile.
      for (const w of workers) await stopChild(w, 40_000);
      await stack?.stop();
      await emulator.stop();
    },
  };
}

/**
 * A `friend-import worker` child (as the stack spawns it, plus Node flags such as `--cpu-prof`,
 * which NODE_OPTIONS does not accept); resolves once it printed `ready {…}`.
 */
function spawnWorker(env: Record<string, string>, nodeArgs: string[]): Promise<ChildProcess> {
  return workerProcesses(env, { nodeArgs }).spawn();
}

/** Samples worker memory every `everyMs` until stopped: the peak RSS seen during the run. */
export function watchMemory(pids: () => number[], everyMs = 500): { stop(): number } {
  let peak = 0;
  const tick = () => {
    for (const pid of pids()) peak = Math.max(peak, procSample(pid)?.rssMiB ?? 0);
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      tick();
      return peak;
    },
  };
}

/** Compares the stopped emulator's state with every user's expected friends. */
export async function verifyState(
  emulatorDb: string,
  users: Iterable<UserRecord>,
): Promise<StateDiff & { users: number; items: number }> {
  const state = await openEmulatorState(emulatorDb);
  const diff: StateDiff = { missing: 0, unexpected: 0, examples: [] };
  let n = 0;
  let items = 0;
  try {
    for (const u of users) {
      n++;
      items += u.items.length;
      diffFriends(u.from, state.friendsOf(u.from), u.items, diff);
    }
  } finally {
    await state.close();
  }
  return { ...diff, users: n, items };
}
