/**
 * Emulator throughput: how many friend_import calls of 100 items the emulator serves per second
 * on this machine with its rate limit lifted (target ≥ 2,000/s). The emulator runs in a child
 * process (one core); this process drives it over real HTTP with ImClient-like requests (same
 * URL, query string, headers and JSON body; a cached admin UserSig; a fresh `random` per call),
 * one call at a time per user, many users in parallel. Prints the figure; times nothing in tests.
 *
 *   node --import tsx bench/emulator.ts [--calls 20000] [--items 100] [--concurrency 32]
 *        [--accounts 600000] [--db FILE] [--client http|imclient]
 */
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ImClient, genUserSig, type FriendImportRequest } from '../im/index.js';
import { LOCAL_IM_APP } from '../config/im.js';
import { spawnGuarded, stopChild } from '../cli/stack/childProcess.js';
import type { EmulatorStats } from '../emulator/index.js';
import { buildBody, buildEmulator, planLanes, summarise, type Lane } from './emulatorLoad.js';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '2000' },
    items: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '32' },
    accounts: { type: 'string', default: '600000' },
    db: { type: 'string' },
    client: { type: 'string', default: 'http' },
    runtime: { type: 'string', default: 'built' },
  },
});
const loadBefore = loadavg()[0] ?? 0;
const calls = Number(args.calls);
const warmup = Number(args.warmup);
const items = Number(args.items);
const concurrency = Number(args.concurrency);
const accounts = Number(args.accounts);
const app = LOCAL_IM_APP;

const entry = args.runtime === 'tsx' ? ['--import', 'tsx', 'bench/emulatorServer.ts'] : [buildEmulator()];
const child = spawnGuarded(
  process.execPath,
  [
    ...(process.env.BENCH_CHILD_NODE_OPTIONS ?? '').split(' ').filter(Boolean),
    ...entry,
    JSON.stringify({
      sdkAppId: app.sdkAppId,
      adminIdentifier: app.adminIdentifier,
      secretKey: app.secretKey,
      accounts,
      dbFile: args.db,
    }),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const lines = createInterface({ input: child.stdout! });
const [first] = (await once(lines, 'line')) as [string];
const ready = JSON.parse(first.replace(/^ready /, '')) as { baseUrl: string; seedMs: number };
const base = new URL(ready.baseUrl);
const userSig = genUserSig(app.secretKey, {
  sdkAppId: app.sdkAppId,
  identifier: app.adminIdentifier,
  expireSeconds: 86_400,
});
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const imClient = new ImClient({ baseUrl: ready.baseUrl, ...app, adminIdentifier: app.adminIdentifier });

function post(body: FriendImportRequest): Promise<{ errorCode: number; failedItems: number }> {
  if (args.client === 'imclient')
    return imClient.friendImport(body).then((r) => ({
      errorCode: r.ErrorCode,
      failedItems: (r.ResultItem ?? []).filter((i) => i.ResultCode !== 0).length,
    }));
  const text = JSON.stringify(body);
  const random = Math.floor(Math.random() * 2 ** 32);
  const path = `/v4/sns/friend_import?sdkappid=${app.sdkAppId}&identifier=${app.adminIdentifier}&usersig=${userSig}&random=${random}&contenttype=json`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const r = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            ErrorCode: number;
            ResultItem?: { ResultCode: number }[];
          };
          resolve({
            errorCode: r.ErrorCode,
            failedItems: (r.ResultItem ?? []).filter((i) => i.ResultCode !== 0).length,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

async function runLane(
  lane: Lane,
  latencies: number[],
  errors: { calls: number; items: number },
): Promise<void> {
  for (const call of lane.calls) {
    const t0 = performance.now();
    const r = await post(buildBody(call, items));
    latencies.push(performance.now() - t0);
    if (r.errorCode !== 0) errors.calls++;
    errors.items += r.failedItems;
  }
}

async function phase(
  count: number,
  firstUser: number,
): Promise<{ ms: number; latencies: number[]; errors: { calls: number; items: number } }> {
  const lanes = planLanes({ calls: count, concurrency, items, accounts, firstUser });
  const latencies: number[] = [];
  const errors = { calls: 0, items: 0 };
  const t0 = performance.now();
  await Promise.all(lanes.map((lane) => runLane(lane, latencies, errors)));
  return { ms: performance.now() - t0, latencies, errors };
}

interface Health {
  process: { cpuMs: number; rssBytes: number };
}
const health = async (): Promise<Health> =>
  (await (await fetch(new URL('__emulator/health', ready.baseUrl))).json()) as Health;

try {
  const warm = await phase(warmup, 0);
  const before = await health();
  const clientCpu = process.cpuUsage();
  const measured = await phase(calls, Math.ceil(warmup / 25) + concurrency);
  const after = await health();
  const clientCpuMs = (process.cpuUsage(clientCpu).user + process.cpuUsage(clientCpu).system) / 1000;
  const stats = (await (await fetch(new URL('__emulator/stats', ready.baseUrl))).json()) as EmulatorStats;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    summarise({
      calls,
      items,
      concurrency,
      ms: measured.ms,
      latencies: measured.latencies,
      errors: measured.errors,
      warmupErrors: warm.errors,
      db: args.db ? `file ${args.db}` : 'memory',
      client: args.client ?? 'http',
      runtime: args.runtime === 'tsx' ? 'TypeScript through tsx' : 'compiled by tsc (as dist/ ships)',
      accounts,
      seedMs: ready.seedMs,
      machine: `${cpu}, ${cpus().length} cores, Node ${process.version}, load average ${loadBefore.toFixed(2)} before the run`,
      itemsStored: stats.friendImport.itemsImported,
      emulatorBusy: (after.process.cpuMs - before.process.cpuMs) / measured.ms,
      clientBusy: clientCpuMs / measured.ms,
      emulatorRss: after.process.rssBytes,
    }),
  );
  if (measured.errors.calls + warm.errors.calls + measured.errors.items + warm.errors.items > 0) {
    console.error('benchmark invalid: some calls or items failed (see above)');
    process.exitCode = 1;
  }
} finally {
  agent.destroy();
  await stopChild(child);
}
