/**
 * J: service imports while a bulk job holds the app at its full rate (bench/RESULTS.md). A job of
 * 6,000 users runs; once it makes its calls at full rate, 100 users are imported through the
 * library, 4 at a time: 50 users the job does not write, and 50 users whose lines come late in
 * the job's file (the job writes them after the service). Prints each group's latency from
 * submission to outcome, the job's ratio to its ceiling, and checks the emulator's end state: the
 * job's users hold the job's friends and the service's.
 */
import { appendFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startBulkJob } from '../client/bulkJobs.js';
import { mulberry32 } from '../emulator/prng.js';
import type { AddFriendItem } from '../im/schemas.js';
import { usersOf, type DatasetFiles, type UserRecord } from './dataset.js';
import { importOne, percentiles, pool, type Percentiles } from './serviceRun.js';
import { startBenchStack, verifyState } from './stackRun.js';

export interface BesideJobOptions {
  rate: number;
  batchSize: number;
  writeLatencyMs: number;
  concurrency: number;
  log: (line: string) => void;
}

export interface BesideJobFigures {
  jobUsers: number;
  jobCallsMin: number;
  jobElapsedMs: number;
  calls: number;
  maxWindow: number;
  overlaps: number;
  rateLimited: number;
  others: Percentiles;
  jobs: Percentiles;
  /** Service imports of the job's users that the emulator saw before any of the job's calls for them. */
  serviceFirst: number;
  state: { missing: number; unexpected: number; examples: string[] };
}

const SERVICE_FRIENDS = 5_000;
const serviceFriend = (j: number) => `sf${j}`;

/** The service's own users and items: `svc<i>` users, and 1–50 `sf<j>` friends for everyone. */
function serviceItems(seed: number, n: number): AddFriendItem[][] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const count = 1 + Math.floor(random() * 50);
    const chosen = new Set<number>();
    while (chosen.size < count) chosen.add(Math.floor(random() * SERVICE_FRIENDS));
    return [...chosen].map((j) => ({ To_Account: serviceFriend(j), AddSource: 'AddSource_Type_Svc' }));
  });
}

export async function runServiceBesideJob(
  files: DatasetFiles,
  o: BesideJobOptions,
): Promise<BesideJobFigures> {
  const spec = files.manifest.spec;
  const jobUsers = [...usersOf(spec)];
  const items = serviceItems(spec.seed + 7, 100);
  const others: UserRecord[] = items.slice(0, 50).map((it, i) => ({ from: `svc${i}`, items: it }));
  // Users from a sixth of the file on, spread to nine tenths: the first ones are already read by
  // the job's page (waiting for their turn) when the service imports them, the last ones far ahead.
  const first = Math.floor(jobUsers.length / 6);
  const step = Math.floor((jobUsers.length * 0.9 - first) / 50);
  const late: UserRecord[] = items.slice(50).map((it, i) => ({
    from: jobUsers[first + i * step]?.from ?? '',
    items: it,
  }));
  const accounts = join(files.dir, 'accounts-with-service.txt');
  await copyFile(files.accounts, accounts);
  await appendFile(
    accounts,
    [
      ...others.map((u) => u.from),
      ...Array.from({ length: SERVICE_FRIENDS }, (_, j) => serviceFriend(j)),
    ].join('\n') + '\n',
  );

  const bench = await startBenchStack({
    accountsFile: accounts,
    rate: o.rate,
    batchSize: o.batchSize,
    writeLatencyMs: o.writeLatencyMs,
    workers: 1,
    recordCalls: true,
  });
  const stack = bench.stack!;
  let figures: BesideJobFigures;
  try {
    const t0 = performance.now();
    const job = await startBulkJob(
      { client: stack.client, taskQueue: stack.taskQueue },
      {
        jobId: `bench-j-${Date.now()}`,
        path: files.jsonl,
        format: 'jsonl',
        report: join(bench.dir, 'report.jsonl'),
        concurrency: o.concurrency,
      },
    );
    // The job at full rate first: a few hundred calls made.
    for (;;) {
      const stats = await bench.emulator.stats();
      if (stats.friendImport.calls >= 400) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    o.log(`  J: the job made 400 calls; service imports start`);
    const latency = { others: [] as number[], jobs: [] as number[] };
    const mixed = others.flatMap((u, i) => [
      { u, group: 'others' as const },
      { u: late[i] as UserRecord, group: 'jobs' as const },
    ]);
    await pool(mixed, 4, async ({ u, group }) => {
      const r = await importOne(stack.target, u, `bench-j-${group}-${u.from}`);
      if (r.imported !== u.items.length) throw new Error(`${u.from}: ${r.failed} items failed`);
      latency[group].push(r.ms);
    });
    o.log(
      `  J: service imports done after ${((performance.now() - t0) / 1000).toFixed(1)} s; waiting for the job`,
    );
    const summary = await job.result();
    const jobElapsedMs = performance.now() - t0;
    if (summary.failed > 0) throw new Error(`the job failed ${summary.failed} items`);
    const after = await bench.emulator.stats();
    const calls = await bench.emulator.calls();
    const lateUsers = new Set(late.map((u) => u.from));
    const firstFor = new Map<string, string>();
    for (const c of calls)
      if (lateUsers.has(c.fromAccount) && !firstFor.has(c.fromAccount))
        firstFor.set(c.fromAccount, c.toAccounts[0]?.startsWith('sf') ? 'service' : 'job');
    figures = {
      jobUsers: jobUsers.length,
      jobCallsMin: files.manifest.callsMin,
      jobElapsedMs,
      calls: after.friendImport.calls,
      maxWindow: after.friendImport.maxCallsInAnyWindow,
      overlaps: after.friendImport.overlaps,
      rateLimited: after.friendImport.rateLimited,
      others: percentiles(latency.others),
      jobs: percentiles(latency.jobs),
      serviceFirst: [...firstFor.values()].filter((v) => v === 'service').length,
      state: { missing: 0, unexpected: 0, examples: [] },
    };
  } finally {
    await bench.stop();
  }
  const extra = new Map(late.map((u) => [u.from, u.items]));
  const expected = [
    ...jobUsers.map((u) => ({ from: u.from, items: [...u.items, ...(extra.get(u.from) ?? [])] })),
    ...others,
  ];
  figures.state = await verifyState(bench.emulatorDb, expected);
  return figures;
}

export function formatBesideJob(r: BesideJobFigures, rate: number): string {
  const ratio = r.jobCallsMin / rate / (r.jobElapsedMs / 1000);
  const ms = (n: number) => `${(n / 1000).toFixed(2)} s`;
  const miss = (ok: boolean, target: string) => (ok ? '' : `  [target ${target} missed]`);
  return [
    `J service imports beside a full-rate job: job of ${r.jobUsers} users (calls_min ${r.jobCallsMin}); 100 service imports, 4 at a time, after the job's 400th call`,
    `  users the job does not write: p50 ${ms(r.others.p50)}, p95 ${ms(r.others.p95)}${miss(r.others.p95 <= 500, '≤ 0.5 s')}, max ${ms(r.others.max)}`,
    `  users the job writes later: p50 ${ms(r.jobs.p50)}, p95 ${ms(r.jobs.p95)}${miss(r.jobs.p95 <= 1_500, '≤ 1.5 s')}, ` +
      `max ${ms(r.jobs.max)}${miss(r.jobs.max <= 3_000, '≤ 3 s')}; the service's call came first for ${r.serviceFirst} of 50`,
    `  the job: ${(r.jobElapsedMs / 1000).toFixed(1)} s from its start to its result; ratio ${ratio.toFixed(2)}${miss(ratio >= 0.9, '≥ 0.90')}`,
    `  calls ${r.calls}; max calls in any 1-s window ${r.maxWindow}${r.maxWindow > rate ? '  [over the rate]' : ''}; overlaps ${r.overlaps}; rate-limited ${r.rateLimited}`,
    `  emulator state: ${r.state.missing} missing or different, ${r.state.unexpected} unexpected`,
  ].join('\n');
}
