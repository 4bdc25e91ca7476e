/** The load plan, the report and the build step of bench/emulator.ts. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { FriendImportRequest } from '../im/index.js';

const ROOT = join(import.meta.dirname, '..');

/**
 * Compiles the emulator (with tsc, as `npm run build` does for dist/) into .data/bench-emulator and
 * returns the entry file: the emulator then runs as it ships, without tsx's per-closure overhead.
 */
export function buildEmulator(): string {
  const outDir = join(ROOT, '.data', 'bench-emulator');
  const tsc = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      ...['--outDir', outDir, '--rootDir', ROOT, '--module', 'nodenext', '--moduleResolution', 'nodenext'],
      ...['--target', 'es2022', '--strict', '--skipLibCheck', '--esModuleInterop', '--types', 'node'],
      join(ROOT, 'bench', 'emulatorServer.ts'),
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  return join(outDir, 'bench', 'emulatorServer.js');
}

/** Calls per user: 25 × 100 items stays under the 3,000-friend limit. */
const CALLS_PER_USER = 25;

export interface PlannedCall {
  fromAccount: string;
  /** Index of the first To_Account (acct_<n>) of this call's consecutive block. */
  firstTo: number;
}

/** One sequence of calls run one after another; a user's calls all sit in one lane (no overlaps). */
export interface Lane {
  calls: PlannedCall[];
}

/**
 * Spreads `calls` over `concurrency` lanes. Users are acct_<firstUser…>; each gets up to 25 calls
 * with fresh friends (acct_ numbers above every user), so every item is a new friend.
 */
export function planLanes(p: {
  calls: number;
  concurrency: number;
  items: number;
  accounts: number;
  firstUser: number;
}): Lane[] {
  const lanes: Lane[] = Array.from({ length: p.concurrency }, () => ({ calls: [] }));
  const friendsBase = p.firstUser + Math.ceil(p.calls / CALLS_PER_USER) + p.concurrency + 1;
  const pool = p.accounts - friendsBase - p.items;
  if (pool < CALLS_PER_USER * p.items) throw new RangeError('too few accounts for this load');
  for (let k = 0; k < p.calls; k++) {
    const lane = k % p.concurrency;
    const nth = Math.floor(k / p.concurrency); // this lane's nth call
    const userSlot = Math.floor(nth / CALLS_PER_USER);
    const user = p.firstUser + lane + userSlot * p.concurrency;
    const offset = (user * CALLS_PER_USER * p.items + (nth % CALLS_PER_USER) * p.items) % pool;
    lanes[lane]!.calls.push({ fromAccount: `acct_${user}`, firstTo: friendsBase + offset });
  }
  return lanes;
}

export function buildBody(call: PlannedCall, items: number): FriendImportRequest {
  const AddFriendItem = [];
  for (let i = 0; i < items; i++)
    AddFriendItem.push({
      To_Account: `acct_${call.firstTo + i}`,
      AddSource: 'AddSource_Type_Bench',
      Remark: `friend ${i}`,
      GroupName: ['bench'],
      AddTime: 1_700_000_000,
    });
  return { From_Account: call.fromAccount, AddFriendItem };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export function summarise(r: {
  calls: number;
  items: number;
  concurrency: number;
  ms: number;
  latencies: number[];
  errors: { calls: number; items: number };
  warmupErrors: { calls: number; items: number };
  db: string;
  client: string;
  runtime: string;
  accounts: number;
  seedMs: number;
  machine: string;
  itemsStored: number;
  /** CPU time ÷ wall time during the measured phase (1 = one core fully busy). */
  emulatorBusy: number;
  clientBusy: number;
  emulatorRss: number;
}): string {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const perSecond = (r.calls / r.ms) * 1000;
  return [
    `emulator throughput: ${perSecond.toFixed(0)} friend_import calls/s of ${r.items} items (${((perSecond * r.items) / 1000).toFixed(0)}k items/s)`,
    `  ${r.calls} calls in ${(r.ms / 1000).toFixed(2)} s, concurrency ${r.concurrency}, client ${r.client}, state ${r.db}`,
    `  emulator ${r.runtime}`,
    `  emulator CPU per call ${((r.emulatorBusy * r.ms * 1000) / r.calls).toFixed(0)} µs → ${(perSecond / r.emulatorBusy).toFixed(0)} calls/s per CPU-second (its capacity when it has a core to itself)`,
    `  CPU during the run: emulator ${(r.emulatorBusy * 100).toFixed(0)}% of one core (it is single-threaded), load generator ${(r.clientBusy * 100).toFixed(0)}%; emulator RSS ${(r.emulatorRss / 2 ** 20).toFixed(0)} MiB`,
    `  latency p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms`,
    `  failed calls ${r.errors.calls + r.warmupErrors.calls}, failed items ${r.errors.items + r.warmupErrors.items}, items stored ${r.itemsStored}`,
    `  ${r.accounts} accounts seeded in ${r.seedMs} ms; ${r.machine}`,
  ].join('\n');
}
