/**
 * User imports as services make them (docs/architecture.md, the user import): hundreds at once
 * through the library, beside a running bulk job that also writes some of their users, and with a
 * worker SIGKILLed while they run. The service is the emulator in its own process where rates
 * and overlaps are counted, so its arrival stamps are not disturbed by a worker's event loop.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBulkJob } from '../../client/bulkJobs.js';
import { importFriends, type UserImportHandle } from '../../client/userImports.js';
import type { SubmissionOutcome } from '../../core/userImportTypes.js';
import type { AddFriendItem } from '../../im/schemas.js';
import { killHard, startStack, type Stack } from '../../cli/stack/stack.js';
import { friendItems, submitted } from '../support/data.js';
import { diffFriends, openEmulatorState, type StateDiff } from '../support/emulatorState.js';
import { writeJsonl } from '../support/files.js';
import { spawnEmulator, type RemoteEmulator } from '../support/remoteEmulator.js';

interface User {
  from: string;
  items: AddFriendItem[];
}

/** `n` users named `${prefix}<i>` with 1–12 friends each (varied, deterministic). */
const usersOf = (prefix: string, n: number): User[] =>
  Array.from({ length: n }, (_, i) => ({
    from: `${prefix}${i}`,
    items: friendItems(1 + ((i * 7) % 12), `${prefix}${i}-`),
  }));

const accountsOf = (users: readonly User[]) =>
  users.flatMap((u) => [u.from, ...u.items.map((i) => i.To_Account)]);

/** Imports one user and waits for its outcome, as a service does. */
async function importAndWait(stack: Stack, u: User, id: string): Promise<SubmissionOutcome> {
  const handle: UserImportHandle = await importFriends(stack.target, u.from, submitted(u.items), {
    submissionId: id,
  });
  return handle.outcome();
}

/** The emulator's state file after it stopped, against what each user must hold. */
async function stateDiff(db: string, expected: readonly User[]): Promise<StateDiff> {
  const state = await openEmulatorState(db);
  const diff: StateDiff = { missing: 0, unexpected: 0, examples: [] };
  try {
    for (const u of expected) diffFriends(u.from, state.friendsOf(u.from), u.items, diff);
  } finally {
    await state.close();
  }
  return diff;
}

function assertOutcomes(outcomes: readonly SubmissionOutcome[], users: readonly User[]): void {
  assert.equal(outcomes.length, users.length);
  outcomes.forEach((o, i) => {
    const u = users[i];
    assert.ok(u);
    assert.equal(o.status, 'done', `${u.from}: ${o.status}`);
    assert.deepEqual([o.total, o.imported, o.failed], [u.items.length, u.items.length, 0], u.from);
  });
}

describe('user imports at scale', { timeout: 300_000 }, () => {
  const RATE = 100;
  let stack: Stack;
  let service: RemoteEmulator;
  let dir: string;
  const workers: ChildProcess[] = [];
  const many = usersOf('many', 600);
  const beside = usersOf('job', 300);
  const late = { early: beside[150] as User, far: beside[290] as User };
  const extra = new Map<string, AddFriendItem[]>([
    [late.early.from, friendItems(4, 'svc-early-')],
    [late.far.from, friendItems(3, 'svc-far-')],
  ]);
  const chaos = usersOf('chaos', 400);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'user-imports-'));
    stack = await startStack({ worker: false, rateLimit: RATE });
    service = await spawnEmulator({
      rateLimit: RATE,
      writeLatencyMs: 5,
      recordCalls: true,
      db: join(dir, 'service.sqlite'),
      accounts: [
        ...accountsOf(many),
        ...accountsOf(beside),
        ...accountsOf(chaos),
        ...[...extra.values()].flat().map((i) => i.To_Account),
      ],
    });
    for (let i = 0; i < 2; i++) workers.push(await stack.spawnWorker({ IM_BASE_URL: service.baseUrl }));
  });
  after(async () => {
    await stack?.stop();
    await service?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('600 users imported at once through the library: one outcome per item, the app rate in every second', async () => {
    const outcomes = await Promise.all(many.map((u) => importAndWait(stack, u, `many-${u.from}`)));
    assertOutcomes(outcomes, many);
    const stats = (await service.stats()).friendImport;
    assert.equal(stats.overlaps, 0, 'no two writes for one user overlapped');
    assert.equal(stats.rateLimited, 0, 'no call was refused for the rate');
    assert.ok(stats.maxCallsInAnyWindow <= RATE, `max ${stats.maxCallsInAnyWindow} calls in a second`);
    assert.equal(stats.calls, many.length, 'one call per user');
  });

  it('a user whose lines come later in a running job is imported first, and the job still writes its own items after', async () => {
    const file = join(dir, 'job.jsonl');
    await writeJsonl(file, beside);
    const before = (await service.calls()).length;
    const job = await startBulkJob(
      { client: stack.client, taskQueue: stack.taskQueue },
      { jobId: 'beside', path: file, format: 'jsonl', report: join(dir, 'beside.jsonl'), concurrency: 20 },
    );
    // The job writes at the app's rate; the service imports come once it has started writing.
    while ((await service.calls()).length - before < 20) await new Promise((r) => setTimeout(r, 50));
    const own = await Promise.all(
      [late.early, late.far].map((u) =>
        importAndWait(stack, { from: u.from, items: extra.get(u.from) ?? [] }, `svc-${u.from}`),
      ),
    );
    for (const o of own) assert.deepEqual([o.status, o.failed], ['done', 0]);
    const summary = await job.result();
    assert.deepEqual([summary.imported, summary.failed], [beside.reduce((n, u) => n + u.items.length, 0), 0]);
    // Order as the service saw it: the user import's call for each of them came before the job's.
    const calls = (await service.calls()).slice(before);
    for (const u of [late.early, late.far]) {
      const mine = calls.filter((c) => c.fromAccount === u.from);
      const first = mine.findIndex((c) => c.toAccounts.some((t) => t.startsWith('svc-')));
      const firstJob = mine.findIndex((c) => c.toAccounts.some((t) => !t.startsWith('svc-')));
      assert.ok(first >= 0 && firstJob >= 0, `${u.from}: both wrote`);
      assert.ok(
        first < firstJob,
        `${u.from}: the user import went first (its call ${first}, the job's ${firstJob})`,
      );
    }
    assert.equal((await service.stats()).friendImport.overlaps, 0);
  });

  it('a worker SIGKILLed while 400 user imports run: every import ends with each item imported once', async () => {
    const before = (await service.stats()).friendImport.calls;
    const running = Promise.all(chaos.map((u) => importAndWait(stack, u, `chaos-${u.from}`)));
    while ((await service.stats()).friendImport.calls - before < 60)
      await new Promise((r) => setTimeout(r, 20));
    const victim = workers.shift();
    assert.ok(victim);
    await killHard(victim);
    const callsAtKill = (await service.stats()).friendImport.calls - before;
    assert.ok(callsAtKill < chaos.length, `killed while imports ran (${callsAtKill} calls made)`);
    workers.push(await stack.spawnWorker({ IM_BASE_URL: service.baseUrl }));
    assertOutcomes(await running, chaos);
    const stats = (await service.stats()).friendImport;
    assert.equal(stats.overlaps, 0);
    assert.ok(stats.maxCallsInAnyWindow <= RATE, `max ${stats.maxCallsInAnyWindow} calls in a second`);
  });

  it('the service holds exactly what every import above must produce', async () => {
    await stack.stopWorkers();
    for (const w of workers) await killHard(w);
    await service.stop();
    const expected = [
      ...many,
      ...chaos,
      ...beside.map((u) => ({ from: u.from, items: [...u.items, ...(extra.get(u.from) ?? [])] })),
    ];
    const diff = await stateDiff(join(dir, 'service.sqlite'), expected);
    assert.deepEqual(diff, { missing: 0, unexpected: 0, examples: [] });
  });
});
