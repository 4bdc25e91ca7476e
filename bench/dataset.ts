/**
 * Seeded benchmark datasets (bench/RESULTS.md): users with 1…N one-way friends each, as JSONL request
 * bodies and as CSV rows, plus the accounts the emulator must know (every From_Account and every
 * friend). The same spec and seed always give the same bytes, so a run can be checked item by item
 * against what the input must produce by generating the users again (`usersOf`).
 *
 *   node --import tsx bench/dataset.ts --preset A|B|M [--scale 0.1] [--seed 1] [--out DIR]
 *   node --import tsx bench/dataset.ts --users 100 --min 1 --max 50 --pool 5000 [--seed 1] [--out DIR]
 */
import { once } from 'node:events';
import { groupCell } from '../formats/source/records.js';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mulberry32 } from '../emulator/prng.js';
import type { AddFriendItem } from '../im/schemas.js';

export interface DatasetSpec {
  name: string;
  users: number;
  minFriends: number;
  maxFriends: number;
  /** Distinct friend accounts the friends are drawn from (`f0` … `f{pool-1}`). */
  pool: number;
  seed: number;
}

/**
 * The benchmark's datasets: A = 10,000 users × 1–50 friends; B = 600 users × 2,500 friends; U = two users of
 * 3,000 friends (one user's history); M = a 1M-item job (10,000 users × 100 friends); S = 2,000 users
 * × 1–50 friends, each imported by a service through the library (bench/serviceRun.ts); J = the 6,000-user job that
 * service imports run beside (bench/serviceBesideJob.ts).
 */
export const PRESETS: Record<'A' | 'B' | 'U' | 'M' | 'S' | 'J', Omit<DatasetSpec, 'seed'>> = {
  A: { name: 'A', users: 10_000, minFriends: 1, maxFriends: 50, pool: 50_000 },
  B: { name: 'B', users: 600, minFriends: 2_500, maxFriends: 2_500, pool: 100_000 },
  U: { name: 'U', users: 2, minFriends: 3_000, maxFriends: 3_000, pool: 10_000 },
  M: { name: 'M', users: 10_000, minFriends: 100, maxFriends: 100, pool: 100_000 },
  S: { name: 'S', users: 2_000, minFriends: 1, maxFriends: 50, pool: 50_000 },
  J: { name: 'J', users: 6_000, minFriends: 1, maxFriends: 50, pool: 50_000 },
};

/** A preset scaled down (users only) for quick runs; the shape of each user stays the same. */
export function presetSpec(preset: keyof typeof PRESETS, seed = 1, scale = 1): DatasetSpec {
  const p = PRESETS[preset];
  const users = Math.max(1, Math.round(p.users * scale));
  return { ...p, name: scale === 1 ? p.name : `${p.name}x${scale}`, users, seed };
}

export interface UserRecord {
  from: string;
  items: AddFriendItem[];
}

export const userId = (i: number): string => `u${i}`;
export const friendId = (j: number): string => `f${j}`;

/** The users of a dataset, in file order; deterministic for a spec. */
export function* usersOf(spec: DatasetSpec): Generator<UserRecord> {
  if (spec.maxFriends > spec.pool) throw new RangeError('pool must hold at least maxFriends accounts');
  const random = mulberry32(spec.seed);
  const span = spec.maxFriends - spec.minFriends + 1;
  for (let i = 0; i < spec.users; i++) {
    const n = spec.minFriends + Math.floor(random() * span);
    const chosen = new Set<number>();
    while (chosen.size < n) chosen.add(Math.floor(random() * spec.pool));
    const items: AddFriendItem[] = [];
    for (const j of chosen) {
      const item: AddFriendItem = { To_Account: friendId(j), AddSource: 'AddSource_Type_Bench' };
      const r = random();
      if (r < 0.5) item.Remark = `friend ${j}`;
      if (r < 0.3) item.GroupName = [`group${j % 5}`];
      item.AddTime = 1_700_000_000 + (j % 86_400);
      items.push(item);
    }
    yield { from: userId(i), items };
  }
}

/** Σ over users of ⌈items / batch⌉: the fewest friend_import calls the dataset can take. */
export function callsMin(
  spec: DatasetSpec,
  batch = 1000,
): { users: number; items: number; callsMin: number } {
  let items = 0;
  let calls = 0;
  for (const u of usersOf(spec)) {
    items += u.items.length;
    calls += Math.ceil(u.items.length / batch);
  }
  return { users: spec.users, items, callsMin: calls };
}

export interface DatasetFiles {
  dir: string;
  jsonl: string;
  csv: string;
  accounts: string;
  manifest: Manifest;
}

export interface Manifest {
  spec: DatasetSpec;
  users: number;
  items: number;
  callsMin: number;
  accounts: number;
  bytes: { jsonl: number; csv: number };
}

const CSV_HEADER = 'From_Account,To_Account,AddSource,Remark,RemarkTime,GroupName,AddWording,AddTime\n';

function csvRow(from: string, i: AddFriendItem): string {
  // Our values never need quoting (letters, digits, spaces).
  return `${from},${i.To_Account},${i.AddSource},${i.Remark ?? ''},,${groupCell(i.GroupName ?? [])},,${i.AddTime ?? ''}\n`;
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function close(stream: WriteStream): Promise<void> {
  await new Promise<void>((res, rej) => stream.end((err?: Error | null) => (err ? rej(err) : res())));
}

/**
 * Writes `data.jsonl`, `data.csv`, `accounts.txt` and `manifest.json` under `root/<name>-s<seed>`;
 * reuses them when a complete set for the same spec is already there.
 */
export async function writeDataset(spec: DatasetSpec, root = defaultRoot()): Promise<DatasetFiles> {
  const dir = join(root, `${spec.name}-s${spec.seed}`);
  const files = {
    dir,
    jsonl: join(dir, 'data.jsonl'),
    csv: join(dir, 'data.csv'),
    accounts: join(dir, 'accounts.txt'),
  };
  const manifestPath = join(dir, 'manifest.json');
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
    if (JSON.stringify(manifest.spec) === JSON.stringify(spec)) return { ...files, manifest };
  }
  await mkdir(dir, { recursive: true });
  const jsonl = createWriteStream(`${files.jsonl}.tmp`);
  const csv = createWriteStream(`${files.csv}.tmp`);
  await write(csv, CSV_HEADER);
  let items = 0;
  let calls = 0;
  for (const u of usersOf(spec)) {
    items += u.items.length;
    calls += Math.ceil(u.items.length / 1000);
    await write(jsonl, JSON.stringify({ From_Account: u.from, AddFriendItem: u.items }) + '\n');
    await write(csv, u.items.map((i) => csvRow(u.from, i)).join(''));
  }
  await close(jsonl);
  await close(csv);
  const accounts: string[] = [];
  for (let i = 0; i < spec.users; i++) accounts.push(userId(i));
  for (let j = 0; j < spec.pool; j++) accounts.push(friendId(j));
  await writeFile(files.accounts, accounts.join('\n') + '\n');
  await rename(`${files.jsonl}.tmp`, files.jsonl);
  await rename(`${files.csv}.tmp`, files.csv);
  const manifest: Manifest = {
    spec,
    users: spec.users,
    items,
    callsMin: calls,
    accounts: accounts.length,
    bytes: { jsonl: jsonl.bytesWritten, csv: csv.bytesWritten },
  };
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  return { ...files, manifest };
}

export function defaultRoot(): string {
  return resolve(import.meta.dirname, '..', '.data', 'bench', 'datasets');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string' },
      scale: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      users: { type: 'string' },
      min: { type: 'string', default: '1' },
      max: { type: 'string', default: '50' },
      pool: { type: 'string', default: '50000' },
      name: { type: 'string', default: 'custom' },
      out: { type: 'string' },
    },
  });
  const seed = Number(values.seed);
  const spec: DatasetSpec = values.preset
    ? presetSpec(values.preset as keyof typeof PRESETS, seed, Number(values.scale))
    : {
        name: values.name ?? 'custom',
        users: Number(values.users ?? 100),
        minFriends: Number(values.min),
        maxFriends: Number(values.max),
        pool: Number(values.pool),
        seed,
      };
  const t0 = performance.now();
  const files = await writeDataset(spec, values.out ? resolve(values.out) : undefined);
  const m = files.manifest;
  console.log(
    `dataset ${spec.name} (seed ${spec.seed}): ${m.users} users, ${m.items} items, calls_min ${m.callsMin}, ` +
      `${m.accounts} accounts; JSONL ${(m.bytes.jsonl / 2 ** 20).toFixed(1)} MiB, CSV ${(m.bytes.csv / 2 ** 20).toFixed(1)} MiB ` +
      `in ${files.dir} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();
