/**
 * K: accounts first (docs/cli.md, "Accounts first"). Dataset A with 2% of its accounts missing
 * from the service, imported by a bulk job with `createAccounts`: every missing account must be
 * created before its friends are sent (items failed for a missing account: target 0), at or under
 * 100 account_check and 100 multiaccount_import calls in any second, with 100 accounts a call.
 *
 * The ceiling: each page first checks its distinct accounts (⌈accounts / 100⌉ account_check calls at
 * 100/s), creates the missing ones (⌈missing / 100⌉ multiaccount_import calls at 100/s), then sends
 * its friends (calls_min friend_import calls at the rate); dataset A is one page, so the shortest job
 * takes the sum of the three. The ratio is that over the job's time from start to result.
 *
 *   node --import tsx bench/accountsFirst.ts [--scale 1] [--seed 1] [--rate 200] [--workers 1]
 *                                            [--concurrency 100] [--latency-ms 20]
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBulkJob } from '../client/bulkJobs.js';
import { spawnEmulator } from '../test/support/remoteEmulator.js';
import { killHard, startStack } from '../cli/stack/stack.js';
import { presetSpec, usersOf, writeDataset } from './dataset.js';

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    rate: { type: 'string', default: '200' },
    workers: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '100' },
    'latency-ms': { type: 'string', default: '20' },
  },
});

/** The vendor's account API rates (the defaults of IM_ACCOUNT_CHECK_RATE_LIMIT and IM_ACCOUNT_IMPORT_RATE_LIMIT). */
const ACCOUNT_RATE = 100;
const ACCOUNTS_PER_CALL = 100;
/** One account in this many is missing from the service: 2%. */
const MISSING_EVERY = 50;
const ROUTES = {
  account_check: 'v4/im_open_login_svc/account_check',
  multiaccount_import: 'v4/im_open_login_svc/multiaccount_import',
} as const;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const rate = Number(args.rate);
  const spec = presetSpec('A', Number(args.seed), Number(args.scale));
  const files = await writeDataset(spec);
  let items = 0;
  let callsMin = 0;
  const named = new Set<string>();
  for (const u of usersOf(spec)) {
    items += u.items.length;
    callsMin += Math.ceil(u.items.length / 1000);
    named.add(u.from);
    for (const i of u.items) named.add(i.To_Account);
  }
  const all = (await readFile(files.accounts, 'utf8')).split('\n').filter(Boolean);
  const missing = new Set(all.filter((_, i) => i % MISSING_EVERY === MISSING_EVERY - 1));
  const missingNamed = [...missing].filter((a) => named.has(a)).length;
  const checkMin = Math.ceil(named.size / ACCOUNTS_PER_CALL);
  const importMin = Math.ceil(missingNamed / ACCOUNTS_PER_CALL);
  const ceilingS = checkMin / ACCOUNT_RATE + importMin / ACCOUNT_RATE + callsMin / rate;
  log(
    `dataset ${spec.name}: ${spec.users} users, ${items} items, ${named.size} accounts named, ` +
      `${missingNamed} of them missing; calls_min ${callsMin}`,
  );

  const dir = await mkdtemp(join(tmpdir(), 'bench-accounts-'));
  const present = join(dir, 'accounts.txt');
  await writeFile(present, all.filter((a) => !missing.has(a)).join('\n') + '\n');
  const emulator = await spawnEmulator({
    accountsFile: present,
    rateLimit: rate,
    writeLatencyMs: Number(args['latency-ms']),
  });
  const stack = await startStack({ worker: false, rateLimit: rate });
  const workers: ChildProcess[] = [];
  try {
    for (let i = 0; i < Number(args.workers); i++)
      workers.push(
        await stack.spawnWorker({
          IM_BASE_URL: emulator.baseUrl,
          IM_RATE_LIMIT: String(rate),
          IM_ACCOUNT_CHECK_RATE_LIMIT: String(ACCOUNT_RATE),
          IM_ACCOUNT_IMPORT_RATE_LIMIT: String(ACCOUNT_RATE),
        }),
      );
    const t0 = performance.now();
    const job = await startBulkJob(
      { client: stack.client, taskQueue: stack.taskQueue },
      {
        path: files.jsonl,
        format: 'jsonl',
        report: join(dir, 'report.jsonl'),
        concurrency: Number(args.concurrency),
        createAccounts: true,
      },
    );
    // The accounts step ends when the page's first friend_import call is counted (polled).
    let accountsMs: number | undefined;
    const result = job.result();
    let ended = false;
    void result.finally(() => (ended = true)).catch(() => undefined);
    while (!ended && accountsMs === undefined) {
      const p = await job.progress().catch(() => undefined);
      if (p && (p.calls > 0 || p.inFlight > 0)) accountsMs = performance.now() - t0;
      else await new Promise((r) => setTimeout(r, 100));
    }
    const s = await result;
    const elapsedMs = performance.now() - t0;
    const stats = await emulator.stats();
    const atEmulator = (route: string): number =>
      Object.values(stats.byRoute[route] ?? {}).reduce((n, c) => n + c, 0);
    const busiest = (api: keyof typeof ROUTES): number => stats.maxInAnyWindowByRoute[ROUTES[api]] ?? 0;
    const accounts = s.accounts;
    const forMissing = s.failedByCode['30003'] ?? 0;
    console.log(
      [
        `accounts first: dataset ${spec.name} with ${missingNamed} of ${named.size} accounts missing (2%), --create-accounts, at ${rate} friend_import calls/s and ${ACCOUNT_RATE} account calls/s, ${args.workers} worker(s), concurrency ${args.concurrency}`,
        `  items        ${s.items} read, ${s.imported} imported, ${s.failed} failed; failed for a missing account ${forMissing} (target 0)`,
        `  accounts     ${accounts?.checked ?? 0} checked, ${accounts?.created ?? 0} created, ${accounts?.failed ?? 0} could not be created`,
        `  account_check       ${atEmulator(ROUTES.account_check)} calls at the emulator (job counted ${accounts?.calls.account_check ?? 0}; min ${checkMin}); busiest second ${busiest('account_check')} (target ≤ ${ACCOUNT_RATE})`,
        `  multiaccount_import ${atEmulator(ROUTES.multiaccount_import)} calls at the emulator (job counted ${accounts?.calls.multiaccount_import ?? 0}; min ${importMin}); busiest second ${busiest('multiaccount_import')} (target ≤ ${ACCOUNT_RATE})`,
        `  friend_import       ${s.calls} calls (calls_min ${callsMin}); busiest second ${stats.friendImport.maxCallsInAnyWindow}`,
        `  elapsed      ${(elapsedMs / 1000).toFixed(2)} s from start to result; ceiling ${ceilingS.toFixed(2)} s; ratio ${(ceilingS / (elapsedMs / 1000)).toFixed(2)}`,
        `  accounts step about ${accountsMs === undefined ? '?' : (accountsMs / 1000).toFixed(2)} s from start to the first friend_import call (ceiling ${((checkMin + importMin) / ACCOUNT_RATE).toFixed(2)} s)`,
      ].join('\n'),
    );
    const over = busiest('account_check') > ACCOUNT_RATE || busiest('multiaccount_import') > ACCOUNT_RATE;
    if (s.state !== 'completed' || s.failed !== 0 || s.imported !== items || over) process.exitCode = 1;
  } finally {
    for (const w of workers) await killHard(w);
    await stack.stop();
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
