/**
 * How a sync job (docs/cli.md, `sync`) brings dataset A to a changed copy of itself: dataset A is
 * imported, then a copy with 5% of its pairs removed, 5% added and 3% changed (a tenth of those an
 * AddSource change, which replaces the pair) is synced with deleteRemoved. A fresh dev server, the
 * emulator in its own process (each API limited to the rate), `friend-import worker` processes.
 *
 * Figures: the calls per API at the emulator; the calls for users without a change (target 0);
 * the plan's fewest calls ÷ the calls made (target ≥ 0.9); the sync's time against its ceiling,
 * Σ over APIs of calls ÷ rate (the writes run one API after the other); and a `verify --fields`
 * of the changed file, which must find 0 differences.
 *
 *   node --import tsx bench/sync.ts [--scale 1] [--seed 1] [--rate 200] [--workers 1] [--concurrency 100]
 *
 * Workers run from the sources (tsx): a sync is bound by the rate, not by the worker's CPU.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBulkJob } from '../client/bulkJobs.js';
import { startSyncJob } from '../client/syncJobs.js';
import { startVerifyJob } from '../client/verifyJobs.js';
import { differingFields, expectedValues } from '../core/verifyCompare.js';
import type { AddFriendItem } from '../im/schemas.js';
import { spawnEmulator } from '../test/support/remoteEmulator.js';
import { killHard, startStack } from '../cli/stack/stack.js';
import { friendId, presetSpec, usersOf, writeDataset, type UserRecord } from './dataset.js';

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    rate: { type: 'string', default: '200' },
    workers: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '100' },
  },
});

const APIS = ['friend_delete', 'friend_update', 'friend_import', 'friend_get', 'friend_check'] as const;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** A small deterministic PRNG (mulberry32), seeded apart from the dataset's. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One user changed: 5% of pairs removed, 3% changed, 5% added (friends from the pool it lacks). */
function changeUser(u: UserRecord, rnd: () => number, pool: number): UserRecord {
  const items: AddFriendItem[] = [];
  const have = new Set(u.items.map((i) => i.To_Account));
  for (const item of u.items) {
    const r = rnd();
    if (r < 0.05) continue;
    if (r < 0.08) {
      const k = rnd();
      items.push(
        k < 0.1
          ? { ...item, AddSource: 'AddSource_Type_Synced' }
          : k < 0.55
            ? { ...item, Remark: `changed ${item.To_Account}` }
            : { ...item, GroupName: ['group-sync'] },
      );
    } else items.push(item);
  }
  const adds = u.items.length * 0.05;
  const target = items.length + Math.floor(adds) + (rnd() < adds % 1 ? 1 : 0);
  while (items.length < target && have.size < pool) {
    const to = friendId(Math.floor(rnd() * pool));
    if (have.has(to)) continue;
    have.add(to);
    items.push({ To_Account: to, AddSource: 'AddSource_Type_Bench', Remark: 'added by sync' });
  }
  return { from: u.from, items };
}

function sameUser(a: UserRecord, b: UserRecord): boolean {
  if (a.items.length !== b.items.length) return false;
  const had = new Map(a.items.map((i) => [i.To_Account, i]));
  return b.items.every((i) => {
    const h = had.get(i.To_Account);
    return h !== undefined && differingFields(expectedValues(i), expectedValues(h)).length === 0;
  });
}

async function main(): Promise<void> {
  const rate = Number(args.rate);
  const spec = presetSpec('A', Number(args.seed), Number(args.scale));
  const files = await writeDataset(spec);
  const dir = await mkdtemp(join(tmpdir(), 'bench-sync-'));
  const changedFile = join(dir, 'changed.jsonl');
  const rnd = prng(Number(args.seed) * 7919 + 1);
  const unchanged = new Set<string>();
  const lines: string[] = [];
  let pairs = 0;
  for (const u of usersOf(spec)) {
    const c = changeUser(u, rnd, spec.pool);
    if (sameUser(u, c)) unchanged.add(u.from);
    pairs += c.items.length;
    // A user left with no pair is dropped from the snapshot (an empty line is a rejected row).
    if (c.items.length > 0) lines.push(JSON.stringify({ From_Account: c.from, AddFriendItem: c.items }));
  }
  await writeFile(changedFile, lines.join('\n') + '\n');
  log(
    `dataset ${spec.name}: ${files.manifest.items} pairs; changed copy ${pairs} pairs, ${unchanged.size} users unchanged`,
  );

  const emulator = await spawnEmulator({ accountsFile: files.accounts, rateLimit: rate, recordCalls: true });
  const stack = await startStack({ worker: false, rateLimit: rate });
  const workers: ChildProcess[] = [];
  try {
    for (let i = 0; i < Number(args.workers); i++)
      workers.push(
        await stack.spawnWorker({
          IM_BASE_URL: emulator.baseUrl,
          IM_RATE_LIMIT: String(rate),
          IM_UPDATE_RATE_LIMIT: String(rate),
          IM_DELETE_RATE_LIMIT: String(rate),
          IM_GET_RATE_LIMIT: String(rate),
          IM_CHECK_RATE_LIMIT: String(rate),
        }),
      );
    const target = { client: stack.client, taskQueue: stack.taskQueue };
    const concurrency = Number(args.concurrency);
    const t0 = performance.now();
    const imported = await (
      await startBulkJob(target, {
        path: files.jsonl,
        format: 'jsonl',
        report: join(dir, 'import', 'report.jsonl'),
        concurrency,
      })
    ).result();
    log(`imported ${imported.imported} items in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    await fetch(new URL('__emulator/stats/reset', emulator.baseUrl), { method: 'POST' });
    const t1 = performance.now();
    const s = await (
      await startSyncJob(target, {
        path: changedFile,
        since: files.jsonl,
        deleteRemoved: true,
        report: join(dir, 'sync', 'report.jsonl'),
        concurrency,
      })
    ).result();
    const elapsedMs = performance.now() - t1;
    const stats = await emulator.stats();
    const callsOf = (api: string): number =>
      Object.values(stats.byRoute[`v4/sns/${api}`] ?? {}).reduce((n, c) => n + c, 0);
    const calls = Object.fromEntries(APIS.map((a) => [a, callsOf(a)])) as Record<
      (typeof APIS)[number],
      number
    >;
    const made = APIS.reduce((n, a) => n + calls[a], 0);
    const minimum = (s.plan?.segments ?? []).reduce((n, g) => n + g.minimumCalls, 0);
    // friend_import calls are recorded with their From_Account; the delete and update plan files
    // name their users (one line each, and each line's calls are the plan's fewest).
    const importsUnchanged = (await emulator.calls()).filter((c) => unchanged.has(c.fromAccount)).length;
    let planLinesUnchanged = 0;
    for (const g of s.plan?.segments ?? [])
      if (g.op !== 'import')
        for (const l of (await readFile(g.path, 'utf8')).split('\n'))
          if (l && unchanged.has((JSON.parse(l) as { From_Account: string }).From_Account))
            planLinesUnchanged++;
    const failedRows = (await readFile(s.reportJsonl ?? '', 'utf8')).split('\n').filter(Boolean);
    const ceilingS = APIS.reduce((n, a) => n + calls[a] / rate, 0);
    const c = s.plan?.counts;

    const v = await (
      await startVerifyJob(target, {
        path: changedFile,
        format: 'jsonl',
        fields: true,
        report: join(dir, 'verify', 'verify.jsonl'),
        concurrency,
      })
    ).result();
    const differences = v.missing + v.different + v.unexpected;
    console.log(
      [
        `sync of dataset ${spec.name} to a changed copy (deleteRemoved) at ${rate} calls/s per API, ${args.workers} worker(s), concurrency ${args.concurrency}`,
        `  plan         ${c?.users} users (${c?.usersUnchanged} unchanged); pairs ${c?.added} added, ${c?.changed} changed, ${c?.replaced} replaced, ${c?.removed} removed, ${c?.unchanged} unchanged`,
        `  state        ${s.state}; ${s.imported} items written, ${s.failed} failed ${JSON.stringify(s.failedByCode)}`,
        ...failedRows.slice(0, 5).map((r) => `    failed: ${r}`),
        `  calls        ${APIS.map((a) => `${a} ${calls[a]}`).join(', ')}; job counted ${s.calls}`,
        `  unchanged    ${importsUnchanged} friend_import calls and ${planLinesUnchanged} delete/update plan lines for the ${unchanged.size} users without a change (target 0)`,
        `  efficiency   plan's fewest calls ${minimum} ÷ calls made ${made} = ${(minimum / made).toFixed(3)} (target ≥ 0.9)`,
        `  elapsed      ${(elapsedMs / 1000).toFixed(2)} s from start to result (job: ${(s.elapsedMs / 1000).toFixed(2)} s); ceiling Σ calls/rate ${ceilingS.toFixed(2)} s; ratio ${(ceilingS / (elapsedMs / 1000)).toFixed(2)}`,
        `  verify       --fields of the changed file: ${v.pairs} pairs, ${v.present} present, ${v.missing} missing, ${v.different} different, ${v.unexpected} unexpected → ${differences} differences`,
      ].join('\n'),
    );
    if (
      s.state !== 'completed' ||
      s.failed > 0 ||
      differences > 0 ||
      importsUnchanged + planLinesUnchanged > 0
    )
      process.exitCode = 1;
  } finally {
    for (const w of workers) await killHard(w);
    await stack.stop();
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
