/**
 * O: dataset A from `s3://` on the production topology (the pinned Temporal server on PostgreSQL,
 * scripts/prod-stack) with three `friend-import worker` processes that share no folder: each runs
 * in a temporary folder of its own, its only WORKER_FILE_ROOTS entry, and reaches the source and
 * the report only through the object store (SeaweedFS on loopback, cli/stack/objectStore.ts).
 * Between the workers and the store sits a counting pass-through (./storeProxy.ts), so what the
 * store sent is measured on the wire.
 *
 * Two runs on one stack and one store, each with its own emulator and workers:
 * 1. the ratio: the job undisturbed, its ceiling over its elapsed time;
 * 2. a resume: the worker holding the page in flight is SIGKILLed; printed, the bytes of the
 *    source fetched after the kill that had been fetched before it, beside the page's unsettled
 *    part (from its last checkpoint to the read head) and the store's read-ahead.
 *
 *   node --import tsx bench/s3Topology.ts [--scale 1] [--seed 1] [--rate 200] [--workers 3]
 *        [--concurrency 100] [--latency-ms 20] [--kill-after-s 15] [--runtime dist|tsx]
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBulkJob } from '../client/bulkJobs.js';
import { objectStoreClient, startObjectStore } from '../cli/stack/objectStore.js';
import { cliEntry } from '../cli/stack/temporalCli.js';
import { connectTarget, workerEnv, workerProcesses } from '../cli/stack/workerProcesses.js';
import { startProdStack } from '../scripts/prod-stack/stack.js';
import { diffFriends, openEmulatorState, type StateDiff } from '../test/support/emulatorState.js';
import { spawnEmulator } from '../test/support/remoteEmulator.js';
import { presetSpec, usersOf, writeDataset } from './dataset.js';
import { commit, load, machine } from './probe.js';
import { rereadAfter, startStoreProxy, type StoreProxy } from './storeProxy.js';

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    rate: { type: 'string', default: '200' },
    workers: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '100' },
    'latency-ms': { type: 'string', default: '20' },
    'kill-after-s': { type: 'string', default: '15' },
    runtime: { type: 'string', default: 'dist' },
  },
});
process.env.FRIEND_IMPORT_BENCH_RUNTIME = args.runtime === 'tsx' ? 'tsx' : 'dist';
const rate = Number(args.rate);
const workerCount = Number(args.workers);
const concurrency = Number(args.concurrency);
const latencyMs = Number(args['latency-ms']);
const killAfterMs = Number(args['kill-after-s']) * 1000;
const BUCKET = 'bench';
const KEY = 'exports/a.jsonl';
const TASK_QUEUE = 'friend-import';
/** The store's read-ahead: one ranged GET (formats/source/chunks.ts). */
const CHUNK = 1024 * 1024;

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
const identityOf = (child: ChildProcess): string => `${child.pid}@${hostname()}`;

const files = await writeDataset(presetSpec('A', Number(args.seed), Number(args.scale)));
const m = files.manifest;
console.log(
  `O dataset A from s3:// on the server+PostgreSQL with ${workerCount} workers in folders of their own ` +
    `(${m.users} users, ${m.items} items, calls_min ${m.callsMin}, ${kib(m.bytes.jsonl)} of JSONL); ` +
    `rate ${rate}/s, emulator latency ${latencyMs} ms, bulk concurrency ${concurrency}; commit ${commit()}; ${machine()}`,
);

const store = await startObjectStore({ bucket: BUCKET, log });
const proxy: StoreProxy = await startStoreProxy(store.endpoint);
const backend = await startProdStack({ log: (l) => log(`  [prod-stack] ${l}`) });
const s3 = objectStoreClient(store);
try {
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: KEY,
      Body: createReadStream(files.jsonl),
      ContentLength: m.bytes.jsonl,
    }),
  );
  const ratio = await run('ratio');
  console.log(
    `  ratio run: elapsed ${(ratio.elapsedMs / 1000).toFixed(1)} s, ceiling ${(m.callsMin / rate).toFixed(1)} s; ` +
      `ratio ${ratio.ratio.toFixed(2)} (target ≥ 0.95); max calls in any 1-s window ${ratio.maxWindow}; ` +
      `overlaps ${ratio.overlaps}; rate-limited ${ratio.rateLimited}; job ${ratio.state}, ${ratio.imported}/${m.items} imported; ` +
      `emulator state ${ratio.diff.missing} missing or different, ${ratio.diff.unexpected} unexpected; ` +
      `source bytes fetched ${kib(ratio.fetched)} (the object is ${kib(m.bytes.jsonl)}); load before ${ratio.loadBefore}`,
  );
  const resume = await run('resume');
  const r = resume.resume;
  if (r)
    console.log(
      `  resume run: SIGKILLed the page's worker at ${(killAfterMs / 1000).toFixed(0)} s; the page began at byte ` +
        `${r.pageStart}; at its last heartbeat it had settled up to byte ${r.checkpoint ?? '—'} (its checkpoint) and parsed up to ` +
        `byte ${r.parsed ?? '—'}; when it died the store had sent up to byte ${r.head}; ` +
        `the retry read from byte ${r.firstStartAfter ?? '—'} (${r.firstStartAfter === r.checkpoint ? 'its checkpoint' : 'NOT its checkpoint'}); ` +
        `bytes fetched again after the kill ${kib(r.reread)} ` +
        `(bound: the unsettled part, checkpoint → read head, ${kib(r.head - (r.checkpoint ?? r.pageStart))}, which includes ` +
        `what the page parsed after that heartbeat and the read-ahead of one ${kib(CHUNK)} chunk: ${r.reread <= r.head - (r.checkpoint ?? r.pageStart) ? 'held' : 'MISSED'}); ` +
        `a resume from the page's start would have fetched ${kib(r.head - r.pageStart)} again, from the file's start ${kib(r.head)}; ` +
        `job ${resume.state}, ${resume.imported}/${m.items} imported, overlaps ${resume.overlaps}, ` +
        `max window ${resume.maxWindow}, state ${resume.diff.missing} missing, ${resume.diff.unexpected} unexpected`,
    );
  const invalid = [ratio, resume].some(
    (x) =>
      x.state !== 'completed' ||
      x.imported !== m.items ||
      x.diff.missing + x.diff.unexpected > 0 ||
      x.overlaps > 0 ||
      x.maxWindow > rate,
  );
  if (invalid) {
    log('RESULT INVALID');
    process.exitCode = 1;
  }
} finally {
  s3.destroy();
  await backend.stop();
  await proxy.stop();
  await store.stop();
}

interface RunFigures {
  elapsedMs: number;
  ratio: number;
  maxWindow: number;
  overlaps: number;
  rateLimited: number;
  state: string;
  imported: number;
  diff: StateDiff;
  fetched: number;
  loadBefore: string;
  resume?: {
    /** Bytes fetched after the kill that had been fetched before it. */
    reread: number;
    /** The checkpoint of the page's last heartbeat the server held at the kill. */
    checkpoint: number | undefined;
    /** How far the page had parsed the source at that heartbeat. */
    parsed: number | undefined;
    /** How far the store had sent the source when the worker died (parsed, plus read-ahead). */
    head: number;
    pageStart: number;
    firstStartAfter: number | undefined;
  };
}

async function run(kind: 'ratio' | 'resume'): Promise<RunFigures> {
  const dir = await mkdtemp(join(tmpdir(), `bench-s3-${kind}-`));
  const loadBefore = load();
  const emulatorDb = join(dir, 'emulator.sqlite');
  const emulator = await spawnEmulator({
    accountsFile: files.accounts,
    rateLimit: rate,
    writeLatencyMs: latencyMs,
    db: emulatorDb,
  });
  const settings = {
    address: backend.address,
    namespace: backend.namespace,
    taskQueue: TASK_QUEUE,
    imBaseUrl: emulator.baseUrl,
    rateLimit: rate,
    batchSize: 1000,
  };
  const { connection, client, target } = await connectTarget(settings);
  const pool = workerProcesses(workerEnv(settings), { entry: cliEntry() });
  try {
    const workers: ChildProcess[] = [];
    for (let i = 0; i < workerCount; i++) {
      const own = await mkdtemp(join(dir, `worker-${i}-`));
      workers.push(
        await pool.spawn(
          {
            ...store.env,
            AWS_ENDPOINT_URL: proxy.endpoint,
            WORKER_OBJECT_ROOTS: `s3://${BUCKET}`,
            WORKER_FILE_ROOTS: own,
          },
          { cwd: own },
        ),
      );
    }
    const readsBefore = proxy.reads().length;
    const jobId = `bench-s3-${kind}-${Date.now()}`;
    const t0 = performance.now();
    const job = await startBulkJob(target, {
      jobId,
      path: `s3://${BUCKET}/${KEY}`,
      report: `s3://${BUCKET}/reports/${jobId}/`,
      concurrency,
    });
    let resume: RunFigures['resume'];
    if (kind === 'resume') {
      await new Promise((r) => setTimeout(r, killAfterMs));
      const handle = client.workflow.getHandle(job.workflowId);
      const page = (await handle.describe()).raw.pendingActivities?.find(
        (p) => p.activityType?.name === 'importPage',
      );
      const holder = workers.find((w) => identityOf(w) === page?.lastWorkerIdentity);
      if (!holder) throw new Error(`no worker of ours holds a page (${page?.lastWorkerIdentity})`);
      // The page's last heartbeat the server holds: what a retry resumes from.
      const beat = page?.heartbeatDetails?.payloads?.[0]?.data;
      const details = beat
        ? (JSON.parse(Buffer.from(beat).toString('utf8')) as {
            resumeAt?: { offset?: number };
            live?: { bytesRead?: number };
          })
        : undefined;
      const checkpoint = details?.resumeAt?.offset;
      const parsed = details?.live?.bytesRead;
      holder.kill('SIGKILL');
      const killedAt = performance.now();
      log(`  SIGKILLed ${identityOf(holder)} at ${((killedAt - t0) / 1000).toFixed(1)} s`);
      await job.result();
      const path = `/${BUCKET}/${KEY}`;
      const reads = proxy.reads().slice(readsBefore);
      const again = rereadAfter(reads, path, killedAt);
      const head = Math.max(
        ...reads.filter((x) => x.path === path && x.at <= killedAt).map((x) => x.start + x.bytes),
      );
      const pageStart = await pageStartOffset(handle, page?.activityId ?? '');
      resume = {
        reread: again.reread,
        checkpoint,
        parsed,
        head,
        pageStart,
        firstStartAfter: again.firstStartAfter,
      };
    }
    const summary = await job.result();
    const elapsedMs = performance.now() - t0;
    const stats = (await emulator.stats()).friendImport;
    const fetched = proxy
      .reads()
      .slice(readsBefore)
      .filter((x) => x.path === `/${BUCKET}/${KEY}`)
      .reduce((n, x) => n + x.bytes, 0);
    await pool.stopAll();
    await emulator.stop();
    const diff: StateDiff = { missing: 0, unexpected: 0, examples: [] };
    const state = await openEmulatorState(emulatorDb);
    try {
      for (const u of usersOf(m.spec)) diffFriends(u.from, state.friendsOf(u.from), u.items, diff);
    } finally {
      await state.close();
    }
    return {
      elapsedMs,
      ratio: m.callsMin / rate / (elapsedMs / 1000),
      maxWindow: stats.maxCallsInAnyWindow,
      overlaps: stats.overlaps,
      rateLimited: stats.rateLimited,
      state: summary.state,
      imported: summary.imported,
      diff,
      fetched,
      loadBefore,
      ...(resume && { resume }),
    };
  } finally {
    await pool.stopAll(10_000);
    await connection.close();
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The byte offset a page began at, from its scheduled input in the job's history. */
async function pageStartOffset(
  handle: ReturnType<Awaited<ReturnType<typeof connectTarget>>['client']['workflow']['getHandle']>,
  activityId: string,
): Promise<number> {
  for (const e of (await handle.fetchHistory()).events ?? []) {
    const a = e.activityTaskScheduledEventAttributes;
    if (!a || a.activityId !== activityId) continue;
    const data = a.input?.payloads?.[0]?.data;
    if (!data) break;
    const input = JSON.parse(Buffer.from(data).toString('utf8')) as { cursor?: { offset?: number } };
    return input.cursor?.offset ?? 0;
  }
  throw new Error(`no scheduled page ${activityId} in the job's history`);
}
