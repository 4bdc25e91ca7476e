/**
 * C: a bulk job over a file of every shape (bench/RESULTS.md), timed as an operator sees it: from
 * starting `friend-import import FILE --json` to its exit. 6,000 users of 1–50 friends, 15% of them
 * split over 2–3 lines a few lines apart, and 3 users of 1,000–2,500 friends; the emulator
 * answers each write in 10 ms. The ceiling counts each user's calls once (⌈items / 1,000⌉), as if
 * its lines were one.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mulberry32 } from '../emulator/prng.js';
import { cliEntry, projectRoot } from '../cli/stack/temporalCli.js';
import { defaultRoot, friendId, userId, type UserRecord } from './dataset.js';
import { startBenchStack, verifyState } from './stackRun.js';

export interface ShapesSpec {
  users: number;
  splitShare: number;
  big: { users: number; min: number; max: number };
  pool: number;
  seed: number;
}

export const SHAPES_C: ShapesSpec = {
  users: 6_000,
  splitShare: 0.15,
  big: { users: 3, min: 1_000, max: 2_500 },
  pool: 50_000,
  seed: 1,
};

/** The users of the file (merged, in first-appearance order) and its lines. */
export function shapesOf(spec: ShapesSpec): { users: UserRecord[]; lines: string[] } {
  const random = mulberry32(spec.seed);
  const bigAt = new Set<number>();
  while (bigAt.size < spec.big.users) bigAt.add(Math.floor(random() * spec.users));
  const users: UserRecord[] = [];
  const lines: string[] = [];
  // Later parts of a split user wait here for the line they go after.
  const deferred = new Map<number, string[]>();
  const put = (at: number, line: string) => deferred.set(at, [...(deferred.get(at) ?? []), line]);
  for (let i = 0; i < spec.users; i++) {
    const big = bigAt.has(i);
    const n = big
      ? spec.big.min + Math.floor(random() * (spec.big.max - spec.big.min + 1))
      : 1 + Math.floor(random() * 50);
    const chosen = new Set<number>();
    while (chosen.size < n) chosen.add(Math.floor(random() * spec.pool));
    const items = [...chosen].map((j) => ({
      To_Account: friendId(j),
      AddSource: 'AddSource_Type_Bench',
      ...(j % 2 === 0 && { Remark: `friend ${j}` }),
    }));
    const from = userId(i);
    users.push({ from, items });
    const parts = n >= 2 && random() < spec.splitShare ? Math.min(n, 2 + Math.floor(random() * 2)) : 1;
    const size = Math.ceil(n / parts);
    for (let p = 0; p * size < n; p++) {
      const line = JSON.stringify({
        From_Account: from,
        AddFriendItem: items.slice(p * size, (p + 1) * size),
      });
      if (p === 0) lines.push(line);
      // A few lines on, as exports that cut a user's list into several lines write them.
      else put(i + p * (1 + Math.floor(random() * 15)), line);
    }
    for (const l of deferred.get(i) ?? []) lines.push(l);
    deferred.delete(i);
  }
  for (const [, rest] of [...deferred.entries()].sort((a, b) => a[0] - b[0])) lines.push(...rest);
  return { users, lines };
}

export async function writeShapes(
  spec: ShapesSpec,
): Promise<{ dir: string; jsonl: string; accounts: string }> {
  const dir = join(defaultRoot(), `C-s${spec.seed}`);
  const jsonl = join(dir, 'data.jsonl');
  const accounts = join(dir, 'accounts.txt');
  if (existsSync(jsonl) && existsSync(accounts)) return { dir, jsonl, accounts };
  await mkdir(dir, { recursive: true });
  const { lines } = shapesOf(spec);
  const out = createWriteStream(jsonl);
  for (const l of lines) if (!out.write(`${l}\n`)) await once(out, 'drain');
  await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
  const ids = [
    ...Array.from({ length: spec.users }, (_, i) => userId(i)),
    ...Array.from({ length: spec.pool }, (_, j) => friendId(j)),
  ];
  await writeFile(accounts, ids.join('\n') + '\n');
  return { dir, jsonl, accounts };
}

export interface ShapesFigures {
  users: number;
  lines: number;
  items: number;
  callsMin: number;
  calls: number;
  /** From spawning the CLI to its exit. */
  elapsedMs: number;
  /** From spawning the CLI to the emulator's first call, and from its last answer to the exit. */
  firstCallMs: number;
  afterLastMs: number;
  maxWindow: number;
  overlaps: number;
  rateLimited: number;
  exitCode: number | null;
  summary: { imported?: number; failed?: number };
  state: { missing: number; unexpected: number; examples: string[] };
}

export async function runShapes(
  spec: ShapesSpec,
  o: { rate: number; batchSize: number; concurrency: number; log: (line: string) => void },
): Promise<ShapesFigures> {
  const files = await writeShapes(spec);
  const { users, lines } = shapesOf(spec);
  const items = users.reduce((n, u) => n + u.items.length, 0);
  const callsMin = users.reduce((n, u) => n + Math.ceil(u.items.length / o.batchSize), 0);
  const bench = await startBenchStack({
    accountsFile: files.accounts,
    rate: o.rate,
    batchSize: o.batchSize,
    writeLatencyMs: 10,
    workers: 1,
    recordCalls: true,
  });
  const stack = bench.stack!;
  let figures: ShapesFigures;
  try {
    const env = { ...process.env, ...stack.env, IM_BASE_URL: bench.emulator.baseUrl, LOG_LEVEL: 'warn' };
    const args = [
      ...cliEntry(),
      'import',
      files.jsonl,
      '--json',
      '--concurrency',
      String(o.concurrency),
      '--report',
      join(bench.dir, 'report.jsonl'),
    ];
    const startedAt = Date.now();
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += String(c)));
    const [exitCode] = (await once(child, 'exit')) as [number | null];
    const elapsedMs = performance.now() - t0;
    const endedAt = Date.now();
    const stats = await bench.emulator.stats();
    const calls = await bench.emulator.calls();
    const first = Math.min(...calls.map((c) => c.arrivedAt));
    const last = Math.max(...calls.map((c) => c.finishedAt));
    const summary = JSON.parse(out.trim().split('\n').pop() ?? '{}') as ShapesFigures['summary'];
    figures = {
      users: users.length,
      lines: lines.length,
      items,
      callsMin,
      calls: stats.friendImport.calls,
      elapsedMs,
      firstCallMs: first - startedAt,
      afterLastMs: endedAt - last,
      maxWindow: stats.friendImport.maxCallsInAnyWindow,
      overlaps: stats.friendImport.overlaps,
      rateLimited: stats.friendImport.rateLimited,
      exitCode,
      summary,
      state: { missing: 0, unexpected: 0, examples: [] },
    };
  } finally {
    await bench.stop();
  }
  figures.state = await verifyState(bench.emulatorDb, users);
  return figures;
}

export function formatShapes(r: ShapesFigures, rate: number): string {
  const ratio = r.callsMin / rate / (r.elapsedMs / 1000);
  const miss = (ok: boolean, t: string) => (ok ? '' : `  [target ${t} missed]`);
  return [
    `C every shape of file: ${r.users} users on ${r.lines} lines (15% split over 2–3 lines a few lines apart, 3 of 1,000–2,500 friends), ${r.items} items, 10 ms answers`,
    `  calls ${r.calls} (calls_min ${r.callsMin}); CLI start to exit ${(r.elapsedMs / 1000).toFixed(1)} s; ratio ${ratio.toFixed(2)}${miss(ratio >= 0.95, '≥ 0.95')}; ` +
      `first call ${(r.firstCallMs / 1000).toFixed(2)} s after the CLI started, exit ${(r.afterLastMs / 1000).toFixed(2)} s after the last answer`,
    `  max calls in any 1-s window ${r.maxWindow}${r.maxWindow > rate ? '  [over the rate]' : ''}; overlaps ${r.overlaps}; rate-limited ${r.rateLimited}; ` +
      `exit code ${r.exitCode}; imported ${r.summary.imported ?? '?'}, failed ${r.summary.failed ?? '?'}`,
    `  emulator state: ${r.state.missing} missing or different, ${r.state.unexpected} unexpected`,
  ].join('\n');
}
