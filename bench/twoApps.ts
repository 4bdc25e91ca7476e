/**
 * T: two IM apps at once on one worker fleet (docs/configuration.md, "Several IM apps"). Each app
 * has its own emulator process (its own SDKAppID, secret and rate limit) and its own dataset; the
 * `friend-import worker` processes serve both from one IM_APPS_FILE, and a bulk job per app starts
 * at the same moment. Per app: the ratio (calls_min / rate ÷ elapsed, the ceiling of its dataset
 * at its rate over the time its job took), the busiest second the emulator saw, overlaps,
 * rate-limited calls, and its final state checked item by item.
 *
 *   node --import tsx bench/twoApps.ts [--users 3000] [--scale 1] [--seed 1] [--rate 200]
 *                                      [--workers 1] [--concurrency 100] [--latency-ms 20]
 *                                      [--runtime tsx|dist]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createFriendImporter } from '../client/index.js';
import type { JobSummary } from '../core/jobTypes.js';
import { startStack } from '../cli/stack/stack.js';
import { spawnEmulator, type RemoteEmulator } from '../test/support/remoteEmulator.js';
import { diffFriends, openEmulatorState } from '../test/support/emulatorState.js';
import { usersOf, writeDataset, type DatasetFiles } from './dataset.js';
import { load } from './probe.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '3000' },
    scale: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    rate: { type: 'string', default: '200' },
    workers: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '100' },
    'latency-ms': { type: 'string', default: '20' },
    runtime: { type: 'string', default: 'tsx' },
  },
});
// Read when the emulators and the workers are spawned: they run as `--runtime` says.
process.env.FRIEND_IMPORT_BENCH_RUNTIME = args.runtime === 'dist' ? 'dist' : 'tsx';

interface App {
  sdkAppId: number;
  adminIdentifier: string;
  secretKey: string;
  files: DatasetFiles;
  db: string;
  emulator?: RemoteEmulator;
}

interface AppFigures {
  sdkAppId: number;
  users: number;
  items: number;
  callsMin: number;
  calls: number;
  elapsedMs: number;
  maxWindow: number;
  overlaps: number;
  rateLimited: number;
  imported: number;
  failed: number;
  state: { missing: number; unexpected: number; examples: string[] };
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const f1 = (n: number): string => n.toFixed(1);

async function main(): Promise<void> {
  const rate = Number(args.rate);
  const users = Math.max(1, Math.round(Number(args.users) * Number(args.scale)));
  const seed = Number(args.seed);
  const dir = await mkdtemp(join(tmpdir(), 'bench-two-apps-'));
  // A's shape (1–50 friends each), fewer users; each app its own seed, so a call that reached the
  // wrong app would leave the wrong fields there.
  const apps: App[] = [];
  for (const [i, sdkAppId] of [1400000101, 1400000202].entries()) {
    const spec = { name: `T${i + 1}`, users, minFriends: 1, maxFriends: 50, pool: 50_000, seed: seed + i };
    const files = await writeDataset(spec);
    log(
      `dataset ${spec.name}: ${files.manifest.users} users, ${files.manifest.items} items, calls_min ${files.manifest.callsMin}`,
    );
    apps.push({
      sdkAppId,
      adminIdentifier: `bench_admin_${i + 1}`,
      secretKey: `bench-secret-of-app-${sdkAppId}`,
      files,
      db: join(dir, `emulator-${sdkAppId}.sqlite`),
    });
  }
  for (const app of apps)
    app.emulator = await spawnEmulator({
      app,
      accountsFile: app.files.accounts,
      rateLimit: rate,
      writeLatencyMs: Number(args['latency-ms']),
      db: app.db,
    });
  const settings = apps.map((app) => ({
    sdkAppId: app.sdkAppId,
    baseUrl: app.emulator!.baseUrl,
    adminIdentifier: app.adminIdentifier,
    secretKey: app.secretKey,
    rateLimit: rate,
    batchSize: 1000,
  }));
  const appsFile = join(dir, 'apps.json');
  await writeFile(appsFile, JSON.stringify(settings));
  const stack = await startStack({
    worker: false,
    emulator: false,
    im: { ...settings[0]!, timeoutMs: 10_000 },
  });
  const figures: AppFigures[] = [];
  try {
    const workers = Number(args.workers);
    for (let i = 0; i < workers; i++)
      await stack.spawnWorker({
        IM_APPS_FILE: appsFile,
        IM_SDKAPPID: '',
        IM_ADMIN_IDENTIFIER: '',
        IM_SECRET_KEY: '',
        IM_BASE_URL: '',
        IM_RATE_LIMIT: '',
        IM_BATCH_SIZE: '',
      });
    log(`load average before T: ${load()}`);
    const runs = apps.map(async (app) => {
      const importer = createFriendImporter({
        client: stack.client,
        taskQueue: stack.taskQueue,
        sdkAppId: app.sdkAppId,
      });
      const t0 = performance.now();
      const job = await importer.startJob({
        jobId: `bench-T-${app.sdkAppId}-${Date.now()}`,
        path: app.files.jsonl,
        format: 'jsonl',
        report: join(dir, `report-${app.sdkAppId}.jsonl`),
        concurrency: Number(args.concurrency),
      });
      const summary: JobSummary = await job.result();
      return { summary, elapsedMs: performance.now() - t0 };
    });
    const ended = await Promise.all(runs);
    for (const [i, app] of apps.entries()) {
      const em = (await app.emulator!.stats()).friendImport;
      const { summary, elapsedMs } = ended[i]!;
      figures.push({
        sdkAppId: app.sdkAppId,
        users: app.files.manifest.users,
        items: app.files.manifest.items,
        callsMin: app.files.manifest.callsMin,
        calls: em.calls,
        elapsedMs,
        maxWindow: em.maxCallsInAnyWindow,
        overlaps: em.overlaps,
        rateLimited: em.rateLimited,
        imported: summary.imported,
        failed: summary.failed,
        state: { missing: 0, unexpected: 0, examples: [] },
      });
    }
  } finally {
    await stack.stop();
    for (const app of apps) await app.emulator?.stop();
  }
  // Each app's state, read from its emulator's file now that it has stopped.
  for (const [i, app] of apps.entries()) {
    const state = await openEmulatorState(app.db, app);
    try {
      for (const u of usersOf(app.files.manifest.spec))
        diffFriends(u.from, state.friendsOf(u.from), u.items, figures[i]!.state);
    } finally {
      await state.close();
    }
  }
  await rm(dir, { recursive: true, force: true });

  const lines = [
    `T two apps at once: ${args.workers} worker process(es) serving both from one IM_APPS_FILE, ` +
      `each app at ${rate}/s on its own emulator (write latency ${args['latency-ms']} ms), ` +
      `bulk concurrency ${args.concurrency}, workers from ${process.env.FRIEND_IMPORT_BENCH_RUNTIME}`,
  ];
  let wrong = false;
  for (const r of figures) {
    const s = r.elapsedMs / 1000;
    const ceiling = r.callsMin / rate;
    const ratio = ceiling / s;
    const exact = r.state.missing + r.state.unexpected === 0 && r.imported === r.items && r.failed === 0;
    wrong ||= !exact || r.overlaps > 0;
    lines.push(
      `  app ${r.sdkAppId}: ${r.users} users, ${r.items} items; calls ${r.calls} (calls_min ${r.callsMin}); ` +
        `ceiling ${f1(ceiling)} s; elapsed ${f1(s)} s; ${f1(r.calls / s)} calls/s; ` +
        `ratio (calls_min/${rate}) ÷ elapsed = ${ratio.toFixed(2)}${ratio >= 0.9 ? '' : '  [target ≥ 0.90 missed]'}`,
      `    max calls in any 1-s window ${r.maxWindow}${r.maxWindow > rate ? '  [over the rate]' : ''}; ` +
        `overlaps ${r.overlaps}; rate-limited ${r.rateLimited}; imported ${r.imported} / expected ${r.items}; ` +
        `failed ${r.failed}; emulator state: ${r.state.missing} missing or different, ${r.state.unexpected} unexpected` +
        (r.state.examples.length ? ` (${r.state.examples.slice(0, 3).join('; ')})` : ''),
    );
  }
  lines.push(`load average after T: ${load()}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (wrong) {
    log('RESULT INVALID: T did not end as the input must');
    process.exitCode = 1;
  }
}

await main();
