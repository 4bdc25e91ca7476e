/**
 * `npm run bench`: the end-to-end benchmarks (bench/RESULTS.md) on this machine. Each dataset runs
 * through a bulk job (fresh dev server + `friend-import worker` processes + the emulator in its own
 * process, enforcing the app rate) and through the plain script, then the overhead figures: one
 * 3,000-friend user's history and a 1M-item job's history and worker memory. Prints every figure;
 * copy them into bench/RESULTS.md with the date, the machine and this command.
 *
 * S, J and C: user imports through the library (S, beside the floor of a trivial workflow per
 * import), user imports beside a full-rate job (J), and a file of every shape from the CLI's start
 * to its exit (C); bench/serviceRun.ts, bench/serviceBesideJob.ts, bench/shapes.ts.
 *
 * Then V: a verify job reading dataset A back (bench/verify.ts), and P: dataset A on the production
 * topology, Temporal on PostgreSQL with 1, 2 and 3 worker processes beside the dev server
 * (bench/prodTopology.ts); each runs as its own process and its figures are printed here too.
 * O: dataset A from `s3://` on that topology with three workers sharing no folder, and the bytes a
 * page resume fetches again after a SIGKILL (bench/s3Topology.ts).
 * T: two IM apps at once, each at the rate on its own emulator, one worker fleet serving both
 * (bench/twoApps.ts). K: dataset A with 2% of its accounts missing, imported with
 * `--create-accounts` (bench/accountsFirst.ts). Y: dataset A synced to a changed copy of itself
 * with deleteRemoved (bench/sync.ts). One figure alone: `npm run bench -- --only T` (or
 * run its script).
 *
 *   npm run bench -- [--only A,B,U,M,S,J,C,V,P,O,T,K,Y] [--scale 1] [--seed 1] [--workers 1] [--concurrency 100]
 *                    [--latency-ms 20] [--plain-concurrency 32] [--no-plain] [--cpu-prof DIR]
 *                    [--runtime dist|tsx] [--worker-node-args='--max-old-space-size=256']
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { presetSpec, writeDataset, type PRESETS } from './dataset.js';
import { commit, load, machine } from './probe.js';
import { formatRun, formatUserHistory } from './report.js';
import { runOurs, runPlain, type RunFigures, type RunOptions } from './throughput.js';
import { measureUserHistory, type UserHistory } from './userHistory.js';
import { formatService, runServiceImports } from './serviceRun.js';
import { formatFloor, measureFloor } from './workflowFloor.js';
import { formatBesideJob, runServiceBesideJob } from './serviceBesideJob.js';
import { formatShapes, runShapes, SHAPES_C } from './shapes.js';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: 'A,B,U,M,S,J,C,V,P,O,T,K,Y' },
    scale: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '100' },
    'latency-ms': { type: 'string', default: '20' },
    'plain-concurrency': { type: 'string', default: '32' },
    'no-plain': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'worker-node-args': { type: 'string' },
    rate: { type: 'string', default: '200' },
    runtime: { type: 'string', default: 'dist' },
  },
});

// Workers and the emulator run as they ship (compiled, with the prebuilt workflow bundle) unless
// `--runtime tsx`; the build comes first so dist/ matches the sources being measured.
process.env.FRIEND_IMPORT_BENCH_RUNTIME = args.runtime === 'tsx' ? 'tsx' : 'dist';
if (process.env.FRIEND_IMPORT_BENCH_RUNTIME === 'dist') {
  const built = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const rate = Number(args.rate);
const options: RunOptions = {
  rate,
  batchSize: 1000,
  writeLatencyMs: Number(args['latency-ms']),
  workers: Number(args.workers),
  concurrency: Number(args.concurrency),
  plainConcurrency: Number(args['plain-concurrency']),
  ...(args['cpu-prof'] && { cpuProfDir: resolve(args['cpu-prof']) }),
  ...(args['worker-node-args'] && { workerNodeArgs: args['worker-node-args'].split(' ').filter(Boolean) }),
  log,
};
const only = new Set((args.only ?? '').split(',').map((s) => s.trim().toUpperCase()));
const scale = Number(args.scale);
const seed = Number(args.seed);

const print = (text: string) => {
  console.log(text);
  out.push(text);
};
const out: string[] = [];
const started = new Date();
print(`# tim-friend-import benchmarks, ${started.toISOString()}`);
print(`command: npm run bench -- ${process.argv.slice(2).join(' ')}`.trimEnd());
print(`commit: ${commit()}`);
print(`machine: ${machine()}`);
print(`load average before: ${load()}`);
print(
  `settings: IM_RATE_LIMIT=${rate} IM_BATCH_SIZE=1000, ${options.workers} worker process(es), ` +
    `bulk concurrency ${options.concurrency} calls in flight, ` +
    `emulator write latency ${options.writeLatencyMs} ms and rate limit ${rate}/s, plain script concurrency ` +
    `${options.plainConcurrency} with a token bucket of 1 token at ${rate}/s` +
    (options.workerNodeArgs ? `; worker Node flags: ${options.workerNodeArgs.join(' ')}` : ''),
);

const results: { runs: RunFigures[]; users: UserHistory[] } = { runs: [], users: [] };
const datasets = async (name: keyof typeof PRESETS) => {
  const files = await writeDataset(presetSpec(name, seed, name === 'U' ? 1 : scale));
  const m = files.manifest;
  log(`dataset ${m.spec.name}: ${m.users} users, ${m.items} items, calls_min ${m.callsMin} (${files.dir})`);
  return files;
};

for (const name of ['A', 'B'] as const) {
  if (!only.has(name)) continue;
  const files = await datasets(name);
  log(`running ${name} through a bulk job …`);
  const ours = await runOurs(files, options);
  results.runs.push(ours);
  print(formatRun(ours, rate));
  if (!args['no-plain']) {
    log(`running ${name} through the plain script …`);
    const plain = await runPlain(files, options);
    results.runs.push(plain);
    print(formatRun(plain, rate));
  }
  print(`load average after ${name}: ${load()}`);
}
if (only.has('S')) {
  // A strict server answering each write in 10 ms; the plain script runs the same data beside it.
  const files = await datasets('S');
  const s = { ...options, writeLatencyMs: 10 };
  log('running S through the library, one importFriends per user …');
  const service = await runServiceImports(files, { ...s, inFlight: 200 });
  let plainRatio: number | undefined;
  if (!args['no-plain']) {
    const plain = await runPlain(files, s);
    results.runs.push(plain);
    plainRatio = plain.callsMin / rate / (plain.elapsedMs / 1000);
  }
  print(formatService(service, rate, plainRatio));
  log('measuring the floor: one trivial workflow per import …');
  print(formatFloor(await measureFloor(service.users, 200), rate));
  if (service.state.missing + service.state.unexpected > 0 || service.failed > 0) {
    log('RESULT INVALID: S did not end as the input must');
    process.exitCode = 1;
  }
  print(`load average after S: ${load()}`);
}
if (only.has('J')) {
  const files = await datasets('J');
  log('running J: service imports beside a full-rate job …');
  const j = await runServiceBesideJob(files, { ...options, writeLatencyMs: 10 });
  print(formatBesideJob(j, rate));
  if (j.state.missing + j.state.unexpected > 0 || j.overlaps > 0) {
    log('RESULT INVALID: J did not end as the input must');
    process.exitCode = 1;
  }
  print(`load average after J: ${load()}`);
}
if (only.has('C')) {
  log('running C: a file of every shape, through the CLI …');
  const c = await runShapes(
    { ...SHAPES_C, seed },
    { rate, batchSize: options.batchSize, concurrency: options.concurrency, log },
  );
  print(formatShapes(c, rate));
  if (c.state.missing + c.state.unexpected > 0 || c.exitCode !== 0) {
    log('RESULT INVALID: C did not end as the input must');
    process.exitCode = 1;
  }
  print(`load average after C: ${load()}`);
}
if (only.has('U')) {
  const files = await datasets('U');
  log('measuring one 3,000-friend user …');
  for (const h of await measureUserHistory(files, options)) {
    results.users.push(h);
    print(formatUserHistory(h));
  }
}
if (only.has('M')) {
  const files = await datasets('M');
  log('running the 1M-item job …');
  const m = await runOurs(files, options);
  results.runs.push(m);
  print(formatRun(m, rate));
  print(`load average after M: ${load()}`);
}

// The verify and production-topology benchmarks are scripts of their own; their stdout is their
// figures, printed here once each has ended (their progress goes to stderr as it happens).
const parts: { name: string; script: string; args: string[] }[] = [
  {
    name: 'V',
    script: 'bench/verify.ts',
    args: ['--preset', 'A', '--concurrency', args.concurrency ?? '100'],
  },
  {
    name: 'P',
    script: 'bench/prodTopology.ts',
    args: ['--concurrency', args.concurrency ?? '100', '--runtime', args.runtime ?? 'dist'],
  },
  {
    name: 'O',
    script: 'bench/s3Topology.ts',
    args: [
      '--concurrency',
      args.concurrency ?? '100',
      '--latency-ms',
      args['latency-ms'] ?? '20',
      '--runtime',
      args.runtime ?? 'dist',
    ],
  },
  {
    name: 'K',
    script: 'bench/accountsFirst.ts',
    args: [
      '--concurrency',
      args.concurrency ?? '100',
      '--latency-ms',
      args['latency-ms'] ?? '20',
      '--workers',
      args.workers ?? '1',
    ],
  },
  {
    name: 'Y',
    script: 'bench/sync.ts',
    args: ['--concurrency', args.concurrency ?? '100', '--workers', args.workers ?? '1'],
  },
  {
    name: 'T',
    script: 'bench/twoApps.ts',
    args: [
      '--concurrency',
      args.concurrency ?? '100',
      '--latency-ms',
      args['latency-ms'] ?? '20',
      '--workers',
      args.workers ?? '1',
      '--runtime',
      args.runtime ?? 'dist',
    ],
  },
];
let partsFailed = false;
for (const part of parts) {
  if (!only.has(part.name)) continue;
  log(`running ${part.script} …`);
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      part.script,
      '--scale',
      String(scale),
      '--seed',
      String(seed),
      '--rate',
      String(rate),
      ...part.args,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  print(r.stdout.trimEnd());
  if (r.status !== 0) {
    log(`RESULT INVALID: ${part.script} exited ${r.status ?? r.signal}`);
    partsFailed = true;
  }
}
if (partsFailed) process.exitCode = 1;

const wrong = results.runs.filter(
  (r) => r.state.missing + r.state.unexpected > 0 || r.imported !== r.items || r.failed !== 0,
);
if (wrong.length > 0) {
  log(
    `RESULT INVALID: ${wrong.map((r) => `${r.dataset} ${r.who}`).join(', ')} did not end as the input must`,
  );
  process.exitCode = 1;
}

const dir = resolve(import.meta.dirname, '..', '.data', 'bench');
await mkdir(dir, { recursive: true });
const stamp = started.toISOString().replace(/[:.]/g, '-');
await writeFile(join(dir, `results-${stamp}.txt`), out.join('\n') + '\n');
await writeFile(join(dir, `results-${stamp}.json`), JSON.stringify(results, null, 2));
log(`figures saved in ${join(dir, `results-${stamp}.txt`)}`);
