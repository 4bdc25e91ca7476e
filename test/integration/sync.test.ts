/**
 * Sync jobs end to end (docs/cli.md, `sync`): a real dev server, the emulator over HTTP and worker
 * processes. An app imported from an older snapshot is brought to a newer one: removed pairs kept
 * or deleted, changed fields updated in place, an AddSource change replaced, added pairs imported;
 * users without a change get no call; a worker SIGKILLed mid-sync leaves an exact state; and the
 * service form (no older snapshot) repairs changes made directly on the app; through the CLI, a
 * sync to what the app already holds makes no call; a paused sync makes no call until resumed.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBulkJob } from '../../client/bulkJobs.js';
import { startSyncJob, type StartSyncOptions } from '../../client/syncJobs.js';
import { differingFields, expectedValues } from '../../core/verifyCompare.js';
import type { SyncSummary } from '../../core/syncTypes.js';
import { LOCAL_IM_APP } from '../../config/im.js';
import { ImClient } from '../../im/node/client.js';
import type { AddFriendItem } from '../../im/schemas.js';
import type { SyncSummaryJson } from '../../cli/commands/support/syncView.js';
import { stopChild } from '../../cli/stack/childProcess.js';
import { killHard, startStack, type Stack } from '../../cli/stack/stack.js';
import { writeJsonl, type UserInput } from '../support/files.js';
import { jsonOut, runCli, waitFor } from './cliHelpers.js';

const TAG = 'Tag_SNS_Custom_Level';
const UPDATE = 'v4/sns/friend_update';
const DELETE = 'v4/sns/friend_delete';

/** A small deterministic PRNG (mulberry32): the same snapshots every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Snapshot = Map<string, Map<string, AddFriendItem>>;

const toUsers = (s: Snapshot): UserInput[] => [...s].map(([from, m]) => ({ from, items: [...m.values()] }));

function oldSnapshot(users: number): Snapshot {
  const rnd = prng(7);
  const s: Snapshot = new Map();
  for (let u = 0; u < users; u++) {
    const m = new Map<string, AddFriendItem>();
    const n = 1 + Math.floor(rnd() * 20);
    for (let i = 0; i < n; i++) {
      const to = `s${u}-${i}`;
      m.set(to, {
        To_Account: to,
        AddSource: 'AddSource_Type_Web',
        Remark: `r${u}-${i}`,
        GroupName: [`g${i % 3}`],
        ...(i % 2 === 0 && { CustomItem: [{ Tag: TAG, Value: `L${i % 5}` }] }),
        AddTime: 1_700_000_000 + i,
      });
    }
    s.set(`s${u}`, m);
  }
  return s;
}

/** `base` with ~5% of pairs removed, ~5% added, ~5% changed (a few of them AddSource changes). */
function changed(base: Snapshot, seed: number, round: string): Snapshot {
  const rnd = prng(seed);
  const s: Snapshot = new Map();
  let k = 0;
  for (const [from, pairs] of base) {
    const m = new Map<string, AddFriendItem>();
    for (const [to, item] of pairs) {
      const r = rnd();
      if (r < 0.05) continue;
      if (r < 0.1) {
        const kind = k++ % 5;
        m.set(
          to,
          kind === 0
            ? { ...item, Remark: `${round}-${to}` }
            : kind === 1
              ? { ...item, GroupName: [`g-${round}`, 'g1'] }
              : kind === 2
                ? { ...item, CustomItem: [{ Tag: TAG, Value: `${round}` }] }
                : kind === 3
                  ? { ...item, CustomItem: [] }
                  : { ...item, AddSource: 'AddSource_Type_App' },
        );
      } else m.set(to, item);
    }
    const adds = pairs.size * 0.05 + (rnd() < 0.3 ? 1 : 0);
    for (let i = 0; i < Math.floor(adds) + (rnd() < adds % 1 ? 1 : 0); i++) {
      const to = `${from}-${round}${i}`;
      m.set(to, {
        To_Account: to,
        AddSource: 'AddSource_Type_Web',
        Remark: `new ${round}`,
        GroupName: ['g9'],
      });
    }
    s.set(from, m);
  }
  // A user the new snapshot no longer names at all, and one it names for the first time.
  s.delete(`s${seed % 10}`);
  s.set(
    `n-${round}`,
    new Map([[`n-${round}-0`, { To_Account: `n-${round}-0`, AddSource: 'AddSource_Type_Web' }]]),
  );
  return s;
}

const accountsOf = (s: Snapshot): string[] => [...s].flatMap(([from, m]) => [from, ...m.keys()]);

/** Users whose pairs differ between two snapshots (compared as a verify compares fields). */
function changedUsers(a: Snapshot, b: Snapshot): Set<string> {
  const out = new Set<string>();
  for (const from of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(from) ?? new Map<string, AddFriendItem>();
    const y = b.get(from) ?? new Map<string, AddFriendItem>();
    if (x.size !== y.size) out.add(from);
    for (const [to, item] of y) {
      const had = x.get(to);
      if (!had || differingFields(expectedValues(item), expectedValues(had)).length > 0) out.add(from);
    }
  }
  return out;
}

describe('sync jobs', { timeout: 300_000 }, () => {
  let stack: Stack;
  let dir: string;
  let im: ImClient;
  const workers: ChildProcess[] = [];
  const target = () => ({ client: stack.client, taskQueue: stack.taskQueue });
  const old = oldSnapshot(240);
  const next = changed(old, 11, 'a');
  const third = changed(next, 23, 'b');
  const file = (name: string) => join(dir, `${name}.jsonl`);
  const sync = async (jobId: string, o: Omit<StartSyncOptions, 'jobId' | 'report'>): Promise<SyncSummary> =>
    (await startSyncJob(target(), { jobId, report: join(dir, jobId, 'report.jsonl'), ...o })).result();
  const routeCalls = (route: string): number =>
    Object.values(stack.emulator.stats().byRoute[route] ?? {}).reduce((a, b) => a + b, 0);

  /** Asserts the app holds exactly `want` for its users (every pair, every compared field). */
  function assertState(want: Snapshot, users: Iterable<string> = want.keys()): void {
    const problems: string[] = [];
    for (const from of users) {
      const rows = new Map(stack.emulator.friendsOf(from).map((r) => [r.To_Account, r]));
      const pairs = want.get(from) ?? new Map<string, AddFriendItem>();
      for (const [to, item] of pairs) {
        const row = rows.get(to);
        if (!row) problems.push(`${from}→${to} missing`);
        else {
          const d = differingFields(expectedValues(item), expectedValues(row));
          if (d.length > 0) problems.push(`${from}→${to} differs in ${d.join(',')}`);
        }
      }
      for (const to of rows.keys()) if (!pairs.has(to)) problems.push(`${from}→${to} not expected`);
    }
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} differences`);
  }

  /** The plan's fewest calls per API (what the job must make, with no retries). */
  const planCalls = (s: SyncSummary): Record<string, number> => {
    const out: Record<string, number> = { delete: 0, update: 0, import: 0 };
    for (const seg of s.plan?.segments ?? []) out[seg.op]! += seg.minimumCalls;
    return out;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sync-'));
    stack = await startStack({ worker: false, emulator: { recordCalls: true } });
    stack.emulator.seedAccounts([
      ...new Set([...accountsOf(old), ...accountsOf(next), ...accountsOf(third)]),
    ]);
    im = new ImClient({ ...LOCAL_IM_APP, baseUrl: stack.imBaseUrl });
    await writeJsonl(file('old'), toUsers(old));
    await writeJsonl(file('next'), toUsers(next));
    await writeJsonl(file('third'), toUsers(third));
    workers.push(await stack.spawnWorker());
    const s = await (
      await startBulkJob(target(), {
        jobId: 'old-import',
        path: file('old'),
        report: join(dir, 'old', 'r.jsonl'),
      })
    ).result();
    assert.equal(s.state, 'completed');
    assert.equal(s.failed, 0);
    assertState(old);
  });
  after(async () => {
    for (const w of workers) await killHard(w);
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('without deleteRemoved: adds, updates and replaces, and keeps the removed pairs', async () => {
    const s = await sync('keep', { path: file('next'), since: file('old') });
    assert.equal(s.state, 'completed');
    assert.equal(s.failed, 0);
    const c = s.plan!.counts;
    assert.ok(c.added > 50 && c.changed > 40 && c.replaced > 5 && c.removed > 50, JSON.stringify(c));
    // Without deleteRemoved the only deletes are the replaced pairs'.
    const deletes = s.plan!.segments.filter((g) => g.op === 'delete').reduce((n, g) => n + g.items, 0);
    assert.equal(deletes, c.replaced);
    // next ∪ the removed pairs, as old had them.
    const kept: Snapshot = new Map();
    for (const from of new Set([...old.keys(), ...next.keys()])) {
      const m = new Map(old.get(from));
      for (const [to, item] of next.get(from) ?? []) m.set(to, item);
      kept.set(from, m);
    }
    assertState(kept);
  });

  it('with deleteRemoved: exactly the new snapshot, no call for users without a change', async () => {
    stack.emulator.resetStats();
    const s = await sync('exact', { path: file('next'), since: file('old'), deleteRemoved: true });
    assert.equal(s.state, 'completed');
    assert.equal(s.failed, 0);
    assertState(next, new Set([...old.keys(), ...next.keys()]));
    // Each API's calls: the plan's fewest, as the emulator counted them.
    const want = planCalls(s);
    assert.deepEqual(
      { delete: routeCalls(DELETE), update: routeCalls(UPDATE), import: stack.emulator.calls().length },
      want,
    );
    assert.deepEqual(
      { delete: s.ops.delete.calls, update: s.ops.update.calls, import: s.ops.import.calls },
      want,
    );
    // The users the plan names are exactly the changed ones; the others got no friend_import.
    const changedSet = changedUsers(old, next);
    assert.equal(s.plan!.counts.users - s.plan!.counts.usersUnchanged, changedSet.size);
    assert.ok(s.plan!.counts.usersUnchanged > 20, `unchanged users: ${s.plan!.counts.usersUnchanged}`);
    const imported = new Set(stack.emulator.calls().map((x) => x.fromAccount));
    for (const from of imported)
      assert.ok(changedSet.has(from), `${from} has no change but got a friend_import`);
  });

  it('a worker SIGKILLed mid-sync: another one finishes it exactly', async (t) => {
    const t0 = Date.now();
    stack.emulator.resetStats();
    const slow = await stack.spawnWorker({
      IM_DELETE_RATE_LIMIT: '8',
      IM_UPDATE_RATE_LIMIT: '8',
      IM_RATE_LIMIT: '8',
    });
    // The full-rate worker leaves gracefully (its polls end with it: no task is handed to a dead poll).
    await stopChild(workers.shift()!);
    workers.push(slow);
    const handle = await startSyncJob(target(), {
      jobId: 'crash',
      path: file('third'),
      since: file('next'),
      deleteRemoved: true,
      pageLines: 20,
      report: join(dir, 'crash', 'report.jsonl'),
    });
    await waitFor('the sync under way', () => routeCalls(DELETE) >= 12, 60_000);
    t.diagnostic(`12 deletes made ${Date.now() - t0} ms after the start`);
    await killHard(slow);
    const killedAt = Date.now();
    const done = routeCalls(DELETE) + routeCalls(UPDATE) + stack.emulator.calls().length;
    workers.push(await stack.spawnWorker());
    const s = await handle.result();
    t.diagnostic(`killed after ${killedAt - t0} ms; finished ${Date.now() - killedAt} ms later`);
    assert.equal(s.state, 'completed');
    assert.equal(s.failed, 0);
    assertState(third, new Set([...next.keys(), ...third.keys()]));
    const total = routeCalls(DELETE) + routeCalls(UPDATE) + stack.emulator.calls().length;
    const want = Object.values(planCalls(s)).reduce((a, b) => a + b, 0);
    assert.ok(done < want, `killed mid-sync (${done} of ${want} calls made)`);
    // A crash re-sends at most the calls of the page it cut short.
    t.diagnostic(`${done} calls before the kill, ${total} in all, plan ${want}`);
    assert.ok(total >= want && total <= want + 40, `${total} calls for a plan of ${want}`);
  });

  it('the service form (no older snapshot) repairs changes made directly on the app', async () => {
    const users = [...third.keys()];
    const [a, b, c, d] = [users[3]!, users[10]!, users[50]!, users[100]!];
    await im.callOk('friendDeleteAll', { From_Account: a });
    const cItem = [...third.get(c)!.values()][0]!;
    await im.friendImport({
      From_Account: c,
      AddFriendItem: [{ ...cItem, Remark: 'behind our back', CustomItem: [{ Tag: TAG, Value: 'x' }] }],
    });
    stack.emulator.seedAccounts([`${b}-extra`]);
    await im.friendImport({
      From_Account: b,
      AddFriendItem: [{ To_Account: `${b}-extra`, AddSource: 'AddSource_Type_Web' }],
    });
    const dItem = [...third.get(d)!.values()][0]!;
    await im.friendImport({
      From_Account: d,
      AddFriendItem: [{ ...dItem, AddSource: 'AddSource_Type_Other' }],
    });
    stack.emulator.resetStats();
    const s = await sync('service', { path: file('third'), deleteRemoved: true });
    assert.equal(s.state, 'completed');
    assert.equal(s.failed, 0);
    const cnt = s.plan!.counts;
    assert.equal(cnt.added, third.get(a)!.size);
    assert.deepEqual([cnt.changed, cnt.replaced, cnt.removed], [1, 1, 1]);
    assertState(third);
    assert.deepEqual(
      stack.emulator
        .calls()
        .map((x) => x.fromAccount)
        .sort(),
      [a, d].sort(),
    );
  });
  it('through the CLI: a sync to the snapshot the app already holds plans nothing and makes no call', async () => {
    stack.emulator.resetStats();
    const r = await runCli(
      ['sync', file('third'), '--since', file('third'), '--delete', '--json', '--job-id', 'cli-noop'],
      { env: stack.env, cwd: dir, timeoutMs: 120_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const s = jsonOut<SyncSummaryJson>(r);
    assert.equal(s.kind, 'sync');
    assert.deepEqual(s.plan.segments, []);
    assert.equal(s.plan.counts.usersUnchanged, third.size);
    assert.deepEqual(s.callsByApi, { friend_delete: 0, friend_update: 0, friend_import: 0 });
    assert.equal(stack.emulator.stats().requests, 0);
    assertState(third);
  });
  it('pause stops the writes at the page; resume finishes exactly', async () => {
    const fourth = changed(third, 31, 'c');
    stack.emulator.seedAccounts(accountsOf(fourth));
    await writeJsonl(file('fourth'), toUsers(fourth));
    const slow = await stack.spawnWorker({
      IM_DELETE_RATE_LIMIT: '8',
      IM_UPDATE_RATE_LIMIT: '8',
      IM_RATE_LIMIT: '8',
    });
    await stopChild(workers.pop()!);
    workers.push(slow);
    stack.emulator.resetStats();
    const handle = await startSyncJob(target(), {
      jobId: 'pause',
      path: file('fourth'),
      since: file('third'),
      deleteRemoved: true,
      pageLines: 20,
      report: join(dir, 'pause', 'report.jsonl'),
    });
    const allCalls = () => routeCalls(DELETE) + routeCalls(UPDATE) + stack.emulator.calls().length;
    await waitFor('the sync under way', () => routeCalls(DELETE) >= 10, 60_000);
    await handle.pause();
    await waitFor('the sync paused', async () => (await handle.progress()).state === 'paused', 30_000);
    // 'paused' is answered at once; the running page stops at its next heartbeat, letting the calls
    // in flight finish: wait for a quiet second, then no call may come.
    let last = { n: allCalls(), at: Date.now() };
    await waitFor('the paused page to stop', () => {
      const n = allCalls();
      if (n !== last.n) last = { n, at: Date.now() };
      return Date.now() - last.at >= 1_000;
    });
    const atPause = allCalls();
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(allCalls(), atPause, 'no call while paused');
    // Resumed on a full-rate worker (the slow one leaves while the job is paused).
    await stopChild(workers.pop()!);
    workers.push(await stack.spawnWorker());
    await handle.resume();
    const s = await handle.result();
    assert.equal(s.state, 'completed');
    assert.equal(s.failed, 0);
    assertState(fourth, new Set([...third.keys(), ...fourth.keys()]));
    const want = Object.values(planCalls(s)).reduce((a, b) => a + b, 0);
    assert.ok(atPause < want, `paused mid-sync (${atPause} of ${want} calls)`);
    assert.ok(allCalls() >= want && allCalls() <= want + 40, `${allCalls()} calls for a plan of ${want}`);
  });
});
