/**
 * How fast a verify job reads a dataset back (docs/verify.md): pairs per second against the
 * ceiling the friend_check rate allows. A fresh dev server, the emulator in its own process (its
 * rate windows undisturbed), `friend-import worker` processes; the dataset is imported first, then
 * verified, and the emulator's own count of friend_check calls and their busiest second is read.
 *
 * The ceiling: a user's pairs go ≤ 1,000 to a friend_check call, so the fewest calls are
 * calls_min = Σ ⌈pairs_u / 1000⌉ and the shortest verify is calls_min / rate seconds. With
 * `--fields` the reads are friend_get pages of the emulator's page size (100) instead.
 *
 *   node --import tsx bench/verify.ts [--preset A] [--scale 1] [--seed 1] [--rate 200]
 *                                     [--workers 1] [--concurrency 100] [--fields]
 *
 * Workers run from the sources (tsx): a verify is bound by the rate, not by the worker's CPU.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBulkJob } from '../client/bulkJobs.js';
import { startVerifyJob } from '../client/verifyJobs.js';
import { spawnEmulator } from '../test/support/remoteEmulator.js';
import { killHard, startStack } from '../cli/stack/stack.js';
import { presetSpec, usersOf, writeDataset, type PRESETS } from './dataset.js';

const { values: args } = parseArgs({
  options: {
    preset: { type: 'string', default: 'A' },
    scale: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    rate: { type: 'string', default: '200' },
    workers: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '100' },
    fields: { type: 'boolean', default: false },
  },
});

/** The emulator's friend_get page (EMULATOR_DEFAULTS.friendGetPageSize). */
const FRIEND_GET_PAGE = 100;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const rate = Number(args.rate);
  const fields = args.fields === true;
  const spec = presetSpec(args.preset as keyof typeof PRESETS, Number(args.seed), Number(args.scale));
  const files = await writeDataset(spec);
  let pairs = 0;
  let callsMin = 0;
  for (const u of usersOf(spec)) {
    pairs += u.items.length;
    callsMin += Math.ceil(u.items.length / (fields ? FRIEND_GET_PAGE : 1000));
  }
  const api = fields ? 'friend_get' : 'friend_check';
  const route = `v4/sns/${api}`;
  log(`dataset ${spec.name}: ${files.manifest.users} users, ${pairs} pairs, ${api} calls_min ${callsMin}`);

  const dir = await mkdtemp(join(tmpdir(), 'bench-verify-'));
  const emulator = await spawnEmulator({ accountsFile: files.accounts, rateLimit: rate });
  const stack = await startStack({ worker: false, rateLimit: rate });
  const workers: ChildProcess[] = [];
  try {
    for (let i = 0; i < Number(args.workers); i++)
      workers.push(
        await stack.spawnWorker({
          IM_BASE_URL: emulator.baseUrl,
          IM_RATE_LIMIT: String(rate),
          IM_CHECK_RATE_LIMIT: String(rate),
          IM_GET_RATE_LIMIT: String(rate),
        }),
      );
    const target = { client: stack.client, taskQueue: stack.taskQueue };
    const t0 = performance.now();
    const imported = await (
      await startBulkJob(target, {
        path: files.jsonl,
        format: 'jsonl',
        report: join(dir, 'import', 'report.jsonl'),
        concurrency: Number(args.concurrency),
      })
    ).result();
    log(`imported ${imported.imported} items in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    await fetch(new URL('__emulator/stats/reset', emulator.baseUrl), { method: 'POST' });
    const t1 = performance.now();
    const job = await startVerifyJob(target, {
      path: files.jsonl,
      format: 'jsonl',
      fields,
      report: join(dir, 'verify', 'verify.jsonl'),
      concurrency: Number(args.concurrency),
    });
    const s = await job.result();
    const elapsedMs = performance.now() - t1;
    const stats = await emulator.stats();
    const calls = Object.values(stats.byRoute[route] ?? {}).reduce((n, c) => n + c, 0);
    const ceilingS = callsMin / rate;
    const achieved = s.pairs / (elapsedMs / 1000);
    const ceiling = pairs / ceilingS;
    console.log(
      [
        `verify of dataset ${spec.name} (${fields ? 'fields, friend_get' : 'existence, friend_check'}) at ${rate} calls/s, ${args.workers} worker(s), concurrency ${args.concurrency}`,
        `  pairs        ${s.pairs} checked (${s.present} present, ${s.missing} missing, ${s.different} different, ${s.absent} absent, ${s.unexpected} unexpected)`,
        `  calls        ${calls} ${api} calls at the emulator (job counted ${s.calls}); calls_min ${callsMin}; busiest second ${stats.maxInAnyWindowByRoute[route] ?? 0}`,
        `  elapsed      ${(elapsedMs / 1000).toFixed(2)} s from start to result (job: ${(s.elapsedMs / 1000).toFixed(2)} s); ceiling ${ceilingS.toFixed(2)} s`,
        `  pairs/s      ${achieved.toFixed(0)} (ceiling ${ceiling.toFixed(0)}; ratio ${(achieved / ceiling).toFixed(2)})`,
      ].join('\n'),
    );
    if (s.pairs !== pairs || s.present !== pairs) process.exitCode = 1;
  } finally {
    for (const w of workers) await killHard(w);
    await stack.stop();
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
