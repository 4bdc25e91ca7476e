/**
 * `friend-import sync --dry-run` (docs/cli.md, `sync`): the plan of two snapshots with known
 * differences — pairs added, changed, replaced, removed and unchanged, the calls per API and their
 * time — from the real CLI as a child process, with no server reachable (a dry run needs none),
 * and nothing written; then a sync job against the real stack, its summary, `status` and `report`.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { friendItem } from '../support/data.js';
import { writeCsv, writeJsonl, type UserInput } from '../support/files.js';
import type { SyncSummaryJson } from '../../cli/commands/support/syncView.js';
import { assertFriends } from '../support/data.js';
import { jsonOut, runCli } from './cliHelpers.js';
import { cliStack, scratchDir, users } from './cliStack.js';

interface DryRunJson {
  deleteRemoved: boolean;
  parts: number;
  counts: Record<string, number>;
  ops: Record<string, { api: string; users: number; items: number; calls: number; pages: number }>;
  updateBatch: number;
  importBatch: number;
  pages: number;
  plan: {
    calls: Record<string, number>;
    rates: Record<string, number>;
    seconds: { perApi: Record<string, number>; total: number };
    minimumCalls: number;
    temporalActions: { total: number; breakdown: Record<string, number> };
  };
}

/** No rate or batch setting from the environment the tests run in, and no Temporal to reach. */
const ENV = {
  ...Object.fromEntries(
    [
      'IM_RATE_LIMIT',
      'IM_UPDATE_RATE_LIMIT',
      'IM_DELETE_RATE_LIMIT',
      'IM_GET_RATE_LIMIT',
      'IM_BATCH_SIZE',
    ].map((k) => [k, undefined]),
  ),
  TEMPORAL_ADDRESS: '127.0.0.1:1',
};

const range = (prefix: string, from: number, to: number, extra = {}) =>
  Array.from({ length: to - from }, (_, i) => friendItem(`${prefix}-${from + i}`, extra));

// The older snapshot.
const OLD: UserInput[] = [
  {
    from: 'alice',
    items: [
      friendItem('b1', { Remark: 'r1' }),
      friendItem('b2', { Remark: 'x' }),
      friendItem('b3'),
      friendItem('b4'),
    ],
  },
  { from: 'bob', items: [friendItem('c1'), friendItem('c2')] },
  { from: 'carol', items: [friendItem('d1', { GroupName: ['g'] })] },
  { from: 'big', items: range('f', 0, 1_500, { Remark: 'a' }) },
];

// The new one: alice's b2 changes its remark (update), b3 its AddSource (replaced), b4 goes, b5
// comes; bob's c2 goes, c3 comes; carol is as she was; dave is new; big changes 150 remarks,
// drops 1,350 friends and gains 1,200.
const NEW: UserInput[] = [
  {
    from: 'alice',
    items: [
      friendItem('b1', { Remark: 'r1' }),
      friendItem('b2', { Remark: 'y' }),
      friendItem('b3', { AddSource: 'AddSource_Type_Android' }),
      friendItem('b5'),
    ],
  },
  { from: 'bob', items: [friendItem('c1'), friendItem('c3')] },
  { from: 'carol', items: [friendItem('d1', { GroupName: ['g'] })] },
  { from: 'dave', items: [friendItem('e1')] },
  { from: 'big', items: [...range('f', 0, 150, { Remark: 'b' }), ...range('f', 1_500, 2_700)] },
];

describe('friend-import sync --dry-run', { timeout: 120_000 }, () => {
  const dir = scratchDir('cli-sync-');

  it('plans the known differences, counts the calls per API, and writes nothing', async () => {
    const oldFile = join(dir(), 'old.jsonl');
    const newFile = join(dir(), 'new.csv');
    const goodNew = join(dir(), 'new.jsonl');
    await writeJsonl(oldFile, OLD);
    // The CSV also has one row the plan rejects (a self-friend): reported, exit 3.
    await writeCsv(newFile, [...NEW, { from: 'erin', items: [friendItem('erin')] }]);
    await writeJsonl(goodNew, NEW);
    const before = (await readdir(dir())).sort();
    const opts = { env: ENV, cwd: dir() };

    const r = await runCli(['sync', newFile, '--since', oldFile, '--delete', '--dry-run', '--json'], opts);
    assert.equal(r.code, 3, r.stderr);
    const d = jsonOut<DryRunJson>(r);
    // erin's only row is rejected: erin has no pair to compare.
    assert.deepEqual(d.counts, {
      users: 5,
      usersUnchanged: 1,
      added: 3 + 1_200,
      changed: 1 + 150,
      replaced: 1,
      removed: 2 + 1_350,
      unchanged: 3,
      rejected: 1,
    });
    // Deletes: alice's b3 and b4 (1 call), bob's c2 (1), big's 1,350 (2 at 1,000 a call).
    // Updates: alice's b2 (1), big's 150 (2 at 100 a call). Imports: alice (b3, b5), bob, dave, big's 1,200 (2).
    assert.deepEqual(d.ops, {
      delete: { api: 'friend_delete', users: 3, items: 1_353, calls: 4, pages: 1 },
      update: { api: 'friend_update', users: 2, items: 151, calls: 3, pages: 1 },
      import: { api: 'friend_import', users: 4, items: 1_204, calls: 5, pages: 1 },
    });
    assert.deepEqual(d.plan.calls, { friend_delete: 4, friend_update: 3, friend_import: 5 });
    assert.deepEqual(d.plan.rates, { friend_delete: 200, friend_update: 200, friend_import: 200 });
    assert.equal(d.plan.minimumCalls, 12);
    assert.ok(Math.abs(d.plan.seconds.total - 12 / 200) < 1e-9);
    assert.deepEqual([d.parts, d.pages, d.updateBatch, d.importBatch], [1, 3, 100, 1_000]);
    assert.equal(d.plan.temporalActions.breakdown.activities, 3 + 1 + 1, 'pages, the plan part, the report');

    // Without --delete the removed pairs are kept: only the replaced pair is deleted. A smaller
    // update batch and a slower update rate show in the calls and seconds.
    const kept = await runCli(
      ['sync', goodNew, '--since', oldFile, '--dry-run', '--json', '--update-batch', '50'],
      { ...opts, env: { ...ENV, IM_UPDATE_RATE_LIMIT: '100' } },
    );
    assert.equal(kept.code, 0, kept.stderr);
    const k = jsonOut<DryRunJson>(kept);
    assert.equal(k.deleteRemoved, false);
    assert.equal(k.counts.removed, 1_352);
    assert.equal(k.counts.rejected, 0);
    assert.deepEqual(k.plan.calls, { friend_delete: 1, friend_update: 1 + 3, friend_import: 5 });
    assert.equal(k.plan.seconds.perApi.friend_update, 4 / 100);

    // The human form says the same.
    const text = await runCli(['sync', newFile, '--since', oldFile, '--delete', '--dry-run'], opts);
    assert.equal(text.code, 3, text.stderr);
    assert.match(text.stdout, /Nothing was written to IM or Temporal/);
    assert.match(
      text.stdout,
      /^ {2}pairs +1,203 added · 151 changed · 1 replaced · 1,352 removed \(deleted\) · 3 unchanged$/m,
    );
    assert.match(text.stdout, /^ {2}users +5 · 1 unchanged · 1 row of the new snapshot rejected$/m);
    assert.match(text.stdout, /^ {2}friend_delete +4 calls \(1,353 items of 3 users\) → 20 ms at 200\/s$/m);
    assert.match(text.stdout, /^ {2}friend_update +3 calls \(151 items of 2 users\) → 15 ms at 200\/s$/m);
    assert.match(text.stdout, /^ {2}friend_import +5 calls \(1,204 items of 4 users\) → 25 ms at 200\/s$/m);
    assert.match(text.stdout, /^ {2}total +12 calls → 60 ms/m);

    // Nothing written: no plan folder, no report folder, the snapshots untouched.
    assert.deepEqual((await readdir(dir())).sort(), before);
  });

  it('refuses what it cannot do with exit 2', async () => {
    const oldFile = join(dir(), 'old.jsonl');
    await writeJsonl(oldFile, OLD);
    const service = await runCli(['sync', oldFile, '--dry-run'], { env: ENV });
    assert.equal(service.code, 2);
    assert.match(service.stderr, /--dry-run needs --since OLD/);
    const missing = await runCli(['sync', oldFile, '--since', join(dir(), 'nope.jsonl'), '--dry-run'], {
      env: ENV,
    });
    assert.equal(missing.code, 2, missing.stderr);
    const badRate = await runCli(['sync', oldFile, '--since', oldFile, '--dry-run'], {
      env: { ...ENV, IM_DELETE_RATE_LIMIT: '0' },
    });
    assert.equal(badRate.code, 2);
    assert.match(badRate.stderr, /IM_DELETE_RATE_LIMIT/);
  });
});

describe('friend-import sync: a job against the stack', { timeout: 300_000 }, () => {
  const ctx = cliStack('cli-sync-job-');
  // Small: alice, bob and carol as OLD has them, then NEW (no big user).
  const old = OLD.slice(0, 3);
  const next = NEW.slice(0, 4);

  it('brings the app from OLD to NEW: deletes, updates, imports; status and report say the same', async () => {
    ctx.seed([...old, ...next]);
    const oldFile = join(ctx.dir, 'old.jsonl');
    const newFile = join(ctx.dir, 'new.csv');
    await writeJsonl(oldFile, old);
    // dave's ghost is no account: friend_import fails it (30003), and the report names its plan line.
    await writeCsv(
      newFile,
      next.map((u) => (u.from === 'dave' ? { ...u, items: [...u.items, friendItem('ghost-sync')] } : u)),
    );
    const imported = await ctx.cli(['import', oldFile, '--json']);
    assert.equal(imported.code, 0, imported.stderr);

    const r = await ctx.cli([
      'sync',
      newFile,
      '--since',
      oldFile,
      '--delete',
      '--json',
      '--job-id',
      'cli-sync',
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /Started sync job cli-sync: /);
    // Live progress on stderr names the phase and the pairs written of the plan's.
    assert.match(
      r.stderr,
      /^sync cli-sync: (plan|delete|update|import|done) · \d+% · [\d,]+\/[\d,]+ pairs? · /m,
    );
    const s = jsonOut<SyncSummaryJson>(r);
    assert.deepEqual(
      [s.kind, s.jobId, s.status, s.phase, s.failed, s.failedByCode],
      ['sync', 'cli-sync', 'completed', 'done', 1, { 30003: 1 }],
    );
    assert.deepEqual(s.plan.counts, {
      users: 4,
      usersUnchanged: 1,
      added: 4,
      changed: 1,
      replaced: 1,
      removed: 2,
      unchanged: 3,
      rejected: 0,
    });
    // Deleted: b3 (replaced) and b4 (alice), c2 (bob). Updated: b2. Imported: b3, b5, c3, e1.
    assert.deepEqual([s.ops.delete.imported, s.ops.update.imported, s.ops.import.imported], [3, 1, 4]);
    assert.deepEqual([s.ops.delete.failed, s.ops.update.failed, s.ops.import.failed], [0, 0, 1]);
    assert.deepEqual([s.callsByApi.friend_delete, s.callsByApi.friend_update], [2, 1]);
    assert.ok((s.callsByApi.friend_import ?? 0) >= 3, JSON.stringify(s.callsByApi));
    assert.equal(s.callsByApi.friend_get, undefined, 'a file base reads nothing from the app');
    assert.equal(s.planDir, join(ctx.dir, 'friend-import-reports', 'cli-sync', 'report.parts', 'plan'));
    assert.deepEqual((await readdir(s.planDir ?? '')).sort(), [
      'part-000-delete.jsonl',
      'part-000-import.jsonl',
      'part-000-update.jsonl',
    ]);
    for (const u of next) assertFriends(ctx.stack.emulator, u.from, u.items);

    const status = await ctx.cli(['status', 'cli-sync', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const st = jsonOut<SyncSummaryJson>(status);
    assert.deepEqual(
      [st.kind, st.status, st.plan.counts, st.ops],
      ['sync', 'completed', s.plan.counts, s.ops],
    );
    const text = await ctx.cli(['status', 'cli-sync']);
    assert.match(
      text.stdout,
      /^ {2}plan +4 added · 1 changed · 1 replaced · 2 removed \(deleted\) · 3 unchanged$/m,
    );
    assert.match(text.stdout, /^ {2}written +3 deleted · 1 updated · 4 imported$/m);
    const report = await ctx.cli(['report', 'cli-sync', '--json']);
    assert.equal(report.code, 0, report.stderr);
    const rows = jsonOut<{ rows: { line: number; fromAccount: string; toAccount: string; code: unknown }[] }>(
      report,
    ).rows;
    assert.deepEqual(
      rows.map((x) => [x.fromAccount, x.toAccount, x.code]),
      [['dave', 'ghost-sync', 30003]],
    );
    // The row's line is dave's line in the import plan file.
    const importPlan = (await readFile(join(s.planDir ?? '', 'part-000-import.jsonl'), 'utf8')).split('\n');
    const planLine = JSON.parse(importPlan[(rows[0]?.line ?? 0) - 1] ?? '{}') as { From_Account?: string };
    assert.equal(planLine.From_Account, 'dave');
  });

  it('without --since compares with what the app holds, for the users NEW names only', async () => {
    // After the first test: alice has b1 (r1), b2 (y), b3, b5. NEW2 changes b2 and leaves out b3 and b5.
    const file = join(ctx.dir, 'new2.jsonl');
    const alice = [friendItem('b1', { Remark: 'r1' }), friendItem('b2', { Remark: 'z' })];
    await writeJsonl(file, [{ from: 'alice', items: alice }]);
    const r = await ctx.cli(['sync', file, '--job-id', 'cli-sync-service']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^ {2}plan +0 added · 1 changed · 0 replaced · 2 removed \(kept: no --delete\) · 1 unchanged$/m,
    );
    assert.match(r.stdout, /friend_get call/);
    const st = jsonOut<SyncSummaryJson>(await ctx.cli(['status', 'cli-sync-service', '--json']));
    assert.equal(st.plan.counts.users, 1);
    assert.ok((st.callsByApi.friend_get ?? 0) >= 1, JSON.stringify(st.callsByApi));
    assert.deepEqual([st.callsByApi.friend_delete, st.callsByApi.friend_update], [0, 1]);
    // The removed pairs are kept; bob, carol and dave, not in NEW2, are untouched.
    assertFriends(ctx.stack.emulator, 'alice', [
      ...alice,
      friendItem('b3', { AddSource: 'AddSource_Type_Android' }),
      friendItem('b5'),
    ]);
    for (const u of next.slice(1)) assertFriends(ctx.stack.emulator, u.from, u.items);
  });

  it('pause, resume and cancel work on a sync job; a re-attach follows it to its end', async () => {
    // 40 users × 100 new friends at one call in flight: 400 calls of 25 ms, long enough to control.
    const list = users('ctl', 40, 100);
    ctx.seed(list);
    const file = join(ctx.dir, 'control.jsonl');
    await writeJsonl(file, list);
    const id = 'cli-sync-control';
    const started = await ctx.cli(['sync', file, '--detach', '--job-id', id, '--concurrency', '1']);
    assert.equal(started.code, 0, started.stderr);
    assert.equal(started.stdout, `${id}\n`);

    const paused = await ctx.cli(['pause', id]);
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, new RegExp(`^Job ${id}: paused; resume with`));
    assert.equal(jsonOut<SyncSummaryJson>(await ctx.cli(['status', id, '--json'])).status, 'paused');
    const resumed = await ctx.cli(['resume', id]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const cancelled = await ctx.cli(['cancel', id]);
    assert.equal(cancelled.code, 0, cancelled.stderr);

    const r = await ctx.cli(['sync', file, '--job-id', id, '--json']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, new RegExp(`Re-attached to sync job ${id}`));
    const s = jsonOut<SyncSummaryJson>(r);
    assert.deepEqual([s.kind, s.status], ['sync', 'cancelled']);
    assert.equal(s.plan.counts.added, 4_000);
    assert.ok(s.ops.import.imported < 4_000, JSON.stringify(s.ops.import));
  });
});
