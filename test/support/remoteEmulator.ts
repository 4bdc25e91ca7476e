/**
 * The emulator as its own process (`friend-import emulator`), the way the real service is remote:
 * its arrival stamps and its rate window are not disturbed by the worker sharing its event loop.
 * Used where the tests measure rates (the app-wide rate), and by the benchmarks.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorStats, ExistingFriendMode, FaultPlan, FriendImportCall } from '../../emulator/index.js';
import { spawnGuarded, stopChild, tail } from '../../cli/stack/childProcess.js';
import { cliEntry, projectRoot } from '../../cli/stack/temporalCli.js';

export interface RemoteEmulatorOptions {
  accounts?: readonly string[];
  /** A file of accounts, one per line (large sets: the benchmarks' `accounts.txt`). */
  accountsFile?: string;
  foreignAccounts?: readonly string[];
  rateLimit?: number;
  writeLatencyMs?: number;
  faults?: FaultPlan;
  db?: string;
  recordCalls?: boolean;
  port?: number;
  /** `--existing-friend`: overwrite (the emulator's default) or refuse with per-item 30001. */
  existingFriend?: ExistingFriendMode;
  /** The app it emulates (default: the local stack's app). */
  app?: { sdkAppId: number; adminIdentifier: string; secretKey: string };
}

export interface RemoteEmulator {
  baseUrl: string;
  pid: number;
  stats(): Promise<EmulatorStats>;
  calls(): Promise<FriendImportCall[]>;
  stop(): Promise<void>;
}

export async function spawnEmulator(options: RemoteEmulatorOptions = {}): Promise<RemoteEmulator> {
  const dir = await mkdtemp(join(tmpdir(), 'emulator-'));
  // Benchmarks run it compiled, as it ships (FRIEND_IMPORT_BENCH_RUNTIME=dist); tests from the sources.
  const args = [...cliEntry(), 'emulator', '--port', String(options.port ?? 0)];
  const file = async (name: string, content: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };
  if (options.accounts) args.push('--accounts', await file('accounts.txt', options.accounts.join('\n')));
  if (options.accountsFile) args.push('--accounts', options.accountsFile);
  if (options.foreignAccounts)
    args.push('--foreign-accounts', await file('foreign.txt', options.foreignAccounts.join('\n')));
  if (options.faults) args.push('--faults', await file('faults.json', JSON.stringify(options.faults)));
  if (options.rateLimit !== undefined) args.push('--rate-limit', String(options.rateLimit));
  if (options.writeLatencyMs !== undefined) args.push('--write-latency-ms', String(options.writeLatencyMs));
  if (options.db) args.push('--db', options.db);
  if (options.recordCalls) args.push('--record-calls');
  if (options.existingFriend) args.push('--existing-friend', options.existingFriend);
  const app = options.app && {
    IM_SDKAPPID: String(options.app.sdkAppId),
    IM_ADMIN_IDENTIFIER: options.app.adminIdentifier,
    IM_SECRET_KEY: options.app.secretKey,
  };
  const child = spawnGuarded(process.execPath, args, { cwd: projectRoot, env: { ...process.env, ...app } });
  const errors = tail(child.stderr);
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start:\n${errors()}`)), 60_000);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /^ready (\{.*\})$/m.exec(out);
      if (ready?.[1]) {
        clearTimeout(timer);
        resolve((JSON.parse(ready[1]) as { baseUrl: string }).baseUrl);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code}:\n${errors()}`));
    });
  });
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(new URL(path, baseUrl));
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  return {
    baseUrl,
    pid: child.pid ?? -1,
    stats: () => get<EmulatorStats>('__emulator/stats'),
    calls: () => get<FriendImportCall[]>('__emulator/calls'),
    stop: async () => {
      await stopChild(child, 5_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
