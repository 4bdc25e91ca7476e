/**
 * Chaos (one writer per user, the app-wide rate, one outcome per item, durable, right retries;
 * docs/architecture.md): a bulk job runs while the service injects seeded faults (≈10%
 * transient whole-request codes, 2% HTTP 502, slow answers — a few past the client's timeout),
 * worker processes are SIGKILLed and replaced at seeded moments, and the Temporal dev server is
 * restarted once on its SQLite file. The service is the emulator in its own process (its arrival
 * stamps are not disturbed by a worker's event loop), enforcing the app rate.
 *
 * Afterwards: the service's state is exactly what the input must produce, every failed item is in
 * the report with its code, no two writes for one user overlapped, no 1-second window went over
 * the rate, and no item answered with a permanent code was sent again.
 */
import type { ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBulkJob } from '../../client/bulkJobs.js';
import type { FriendImportCall } from '../../emulator/index.js';
import { mulberry32 } from '../../emulator/prng.js';
import { startDevServer, type DevServer } from '../../cli/stack/devServer.js';
import type { ReportRow } from '../../core/jobTypes.js';
import { chaosData, chaosFaults, minCalls, type ChaosUser } from '../support/chaosData.js';
import { diffFriends, openEmulatorState, type StateDiff } from '../support/emulatorState.js';
import { spawnEmulator, type RemoteEmulator } from '../support/remoteEmulator.js';
import { killHard, startStack, type Stack } from '../../cli/stack/stack.js';

const SEED = Number(process.env.CHAOS_SEED ?? 20_261_126);
const RATE = 200;
const WORKERS = 2;

const FAULTS = chaosFaults(SEED, 0.006);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ghost items sent again after an answer named them (a permanent 30003), other than the same batch retried. */
function permanentRetries(
  calls: readonly FriendImportCall[],
  users: readonly ChaosUser[],
): { violations: string[]; sameBatchRepeats: number } {
  const ghostsOf = new Map(users.map((u) => [u.from, new Set(u.ghosts)]));
  const answeredIn = new Map<string, string>();
  const violations: string[] = [];
  let sameBatchRepeats = 0;
  for (const c of [...calls].sort((a, b) => a.arrivedAt - b.arrivedAt)) {
    const ghosts = ghostsOf.get(c.fromAccount);
    if (!ghosts) continue;
    const batch = [...c.toAccounts].sort().join(',');
    const answered = c.httpStatus === 200 && c.errorCode === 0 && !c.aborted;
    for (const g of c.toAccounts.filter((a) => ghosts.has(a))) {
      const key = `${c.fromAccount} → ${g}`;
      const earlier = answeredIn.get(key);
      // The same batch again is Temporal retrying an activity whose answer was lost (a worker
      // killed after the service answered): at-least-once, not a decision to retry the item.
      if (earlier === batch) sameBatchRepeats++;
      else if (earlier !== undefined) violations.push(`${key} sent again in call ${c.seq}`);
      else if (answered) answeredIn.set(key, batch);
    }
  }
  return { violations, sameBatchRepeats };
}

describe('chaos: faults, SIGKILLed workers and a dev-server restart', { timeout: 480_000 }, () => {
  const data = chaosData(SEED);
  let dir: string;
  let stack: Stack;
  let service: RemoteEmulator;
  let restarted: DevServer | undefined;
  const workers: ChildProcess[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chaos-'));
    await writeFile(join(dir, 'accounts.txt'), data.accounts.join('\n') + '\n');
    service = await spawnEmulator({
      accountsFile: join(dir, 'accounts.txt'),
      rateLimit: RATE,
      writeLatencyMs: 10,
      faults: FAULTS,
      recordCalls: true,
      db: join(dir, 'service.sqlite'),
    });
    stack = await startStack({
      worker: false,
      rateLimit: RATE,
      devServer: { dbFile: join(dir, 'temporal.sqlite') },
    });
  });
  after(async () => {
    for (const w of workers) await killHard(w);
    await restarted?.stop();
    await stack?.stop();
    await service?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Each worker paces itself at RATE / WORKERS, so the sum holds while the task-queue limiter bursts.
  const spawn = async (): Promise<void> => {
    workers.push(
      await stack.spawnWorker({
        IM_BASE_URL: service.baseUrl,
      }),
    );
  };
  const alive = () => workers.filter((w) => w.exitCode === null && w.signalCode === null);

  it('ends exactly as the input must, every failure reported, no overlap, no over-rate window, no permanent code retried', async (t) => {
    const file = join(dir, 'input.jsonl');
    await writeFile(file, data.jsonl);
    for (let i = 0; i < WORKERS; i++) await spawn();
    const job = await startBulkJob(
      { client: stack.client, taskQueue: stack.taskQueue },
      { jobId: `chaos-${SEED}`, path: file, format: 'jsonl', report: join(dir, 'report.jsonl') },
    );

    // The chaos, at seeded points of the job's progress (friend_import calls seen by the service).
    const random = mulberry32(SEED ^ 0x5eed);
    const at = (lo: number, hi: number) => Math.round(minCalls(data) * (lo + random() * (hi - lo)));
    const plan = [
      { calls: at(0.05, 0.15), action: 'kill' },
      { calls: at(0.25, 0.4), action: 'kill' },
      { calls: at(0.45, 0.55), action: 'restart' },
      { calls: at(0.6, 0.8), action: 'kill' },
    ] as const;
    const done: string[] = [];
    const started = Date.now();
    let running = true;
    const deadline = Date.now() + 420_000;
    const isRunning = async (): Promise<boolean> => (await job.status().catch(() => 'RUNNING')) === 'RUNNING';
    for (let next = 0; running && Date.now() < deadline;) {
      await sleep(100);
      const step = plan[next];
      if (step && (await service.stats()).friendImport.calls >= step.calls) {
        next++;
        if (step.action === 'kill') {
          const victims = alive();
          const victim = victims[Math.floor(random() * victims.length)];
          if (victim) await killHard(victim);
          // Its last second of calls must leave the window before a fresh worker's pacing starts.
          await sleep(1_200 + random() * 1_800);
          await spawn();
        } else {
          const port = Number(stack.devServer.address.split(':')[1]);
          await (restarted ?? stack.devServer).stop();
          await sleep(500 + random() * 1_500);
          restarted = await startDevServer({ dbFile: join(dir, 'temporal.sqlite'), port });
        }
        done.push(
          `${step.action} at ${step.calls} calls, ${((Date.now() - started) / 1000).toFixed(0)} s in`,
        );
        t.diagnostic(`chaos: ${done[done.length - 1]}`);
      }
      // A worker that exited on its own (not ours to kill) is replaced too, and said so.
      const lost = WORKERS - alive().length;
      if (lost > 0 && next === plan.length) {
        t.diagnostic(`a worker exited by itself (${lost}); starting another`);
        for (let i = 0; i < lost; i++) await spawn();
      }
      if (next >= plan.length || step?.action !== 'kill') running = await isRunning();
    }
    assert.deepEqual(
      done.map((d) => d.split(' ')[0]),
      plan.map((p) => p.action),
      'every chaos step happened while the job ran',
    );
    const summary = await job.result();

    for (const w of workers.splice(0)) await killHard(w);
    const stats = (await service.stats()).friendImport;
    const calls = await service.calls();
    t.diagnostic(
      `${stats.calls} calls (at least ${minCalls(data)} needed); answers ${JSON.stringify(
        (await service.stats()).byRoute['v4/sns/friend_import'],
      )}; max ${stats.maxCallsInAnyWindow} in one second`,
    );

    assert.equal(summary.state, 'completed');
    assert.deepEqual(
      [summary.items, summary.imported, summary.failed],
      [data.items, data.items - data.ghosts, data.ghosts],
    );
    assert.deepEqual(summary.failedByCode, { 30003: data.ghosts });

    const rows = (await readFile(summary.reportJsonl, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ReportRow);
    const expectedRows = data.users.flatMap((u) =>
      u.ghosts.map((g) => [u.line, u.from, g, 30003, 'permanent'] as const),
    );
    assert.deepEqual(
      rows.map((r) => [r.line, r.fromAccount, r.toAccount, r.code, r.kind]).sort(),
      expectedRows.map((r) => [...r]).sort(),
    );

    assert.equal(stats.overlaps, 0, `overlapping writes for ${stats.overlapAccounts.join(', ')}`);
    assert.ok(stats.maxCallsInAnyWindow <= RATE, `${stats.maxCallsInAnyWindow} calls in one second`);
    assert.equal(stats.rateLimited, 0);
    const faults: Record<string, number> = {};
    for (const c of calls) if (c.fault) faults[c.fault] = (faults[c.fault] ?? 0) + 1;
    t.diagnostic(
      `injected: ${JSON.stringify(faults)}; ${calls.filter((c) => c.aborted).length} calls given up by the client`,
    );
    const retried = permanentRetries(calls, data.users);
    t.diagnostic(`ghost items in a batch retried whole after a lost answer: ${retried.sameBatchRepeats}`);
    assert.deepEqual(retried.violations, []);

    await service.stop();
    const state = await openEmulatorState(join(dir, 'service.sqlite'));
    const diff: StateDiff = { missing: 0, unexpected: 0, examples: [] };
    try {
      for (const u of data.users)
        diffFriends(
          u.from,
          state.friendsOf(u.from),
          u.items.filter((i) => !u.ghosts.includes(i.To_Account)),
          diff,
        );
    } finally {
      await state.close();
    }
    assert.deepEqual(diff, { missing: 0, unexpected: 0, examples: [] });
  });
});
