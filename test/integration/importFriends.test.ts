/**
 * ImportFriendsWorkflow end to end: a real dev server, the real emulator over HTTP, an in-process
 * worker: outcomes, retries, one writer per user.
 */
import { Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { importFriends } from '../../client/userImports.js';
import type { FriendImportCall } from '../../emulator/index.js';
import { workflowBundle } from '../../workers/bundle.js';
import { assertFriends, friendItem, friendItems, submitted } from '../support/data.js';
import { startStack, type Stack } from '../../cli/stack/stack.js';

const callsOf = (calls: FriendImportCall[], from: string) => calls.filter((c) => c.fromAccount === from);

describe('ImportFriendsWorkflow', { timeout: 300_000 }, () => {
  let stack: Stack;
  let n = 0;
  const submissionId = () => `test-${++n}`;

  before(async () => {
    stack = await startStack({
      emulator: { recordCalls: true, sensitiveWords: ['forbidden'], maxFriends: 3000, writeLatencyMs: 20 },
    });
  });
  after(async () => stack?.stop());

  it('imports a 2,500-friend user in 3 calls, every item right', async () => {
    const items = friendItems(2500, 'big');
    stack.emulator.seedAccounts(['u2500', ...items.map((i) => i.To_Account)]);
    const handle = await importFriends(stack.target, 'u2500', submitted(items), {
      submissionId: submissionId(),
    });
    const outcome = await handle.outcome();
    assert.deepEqual(
      [outcome.status, outcome.total, outcome.imported, outcome.failed],
      ['done', 2500, 2500, 0],
    );
    const result = await handle.result();
    assert.equal(result.state, 'completed');
    assert.equal(result.calls, 3);
    assert.deepEqual(result.failures, []);
    const calls = callsOf(stack.emulator.calls(), 'u2500');
    assert.deepEqual(
      calls.map((c) => c.toAccounts.length),
      [1000, 1000, 500],
    );
    assertFriends(stack.emulator, 'u2500', items);
  });

  it('stops waiting for an outcome when its signal aborts, and the import goes on', async () => {
    const items = friendItems(2500, 'ab');
    stack.emulator.seedAccounts(['abortwait', ...items.map((i) => i.To_Account)]);
    const handle = await importFriends(stack.target, 'abortwait', submitted(items), {
      submissionId: submissionId(),
    });
    await assert.rejects(handle.outcome({ signal: AbortSignal.abort(new Error('gave up')) }), /gave up/);
    const waiting = new AbortController();
    const pending = handle.outcome({ signal: waiting.signal });
    // Abort while the run still has calls to make (three in all, one at a time).
    for (let i = 0; i < 1_000 && callsOf(stack.emulator.calls(), 'abortwait').length === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    assert.ok(callsOf(stack.emulator.calls(), 'abortwait').length < 3, 'aborted before the last call');
    waiting.abort(new Error('deadline'));
    await assert.rejects(pending, /deadline/);
    const outcome = await handle.outcome();
    assert.deepEqual([outcome.status, outcome.imported, outcome.failed], ['done', 2500, 0]);
    assertFriends(stack.emulator, 'abortwait', items);
  });

  it('surfaces mixed per-item results in failAccounts, invalidAccounts and failures', async () => {
    stack.emulator.seedAccounts(['mixed', 'ok1', 'ok2', 'sensitive']);
    stack.emulator.seedAccounts(['foreign1'], { foreign: true });
    const items = [
      friendItem('ok1'),
      friendItem('ghost'), // never imported → 30003
      friendItem('foreign1'), // another app's account → 30002, Invalid_Account
      friendItem('sensitive', { Remark: 'a forbidden word' }), // → 30005
      friendItem('ok2', { Remark: 'r'.repeat(97) }), // rejected before sending (validated input)
      friendItem('mixed'), // self-friend, rejected before sending
    ];
    const handle = await importFriends(stack.target, 'mixed', submitted(items), {
      submissionId: submissionId(),
    });
    const result = await handle.result();
    assert.equal(result.imported, 1);
    assert.equal(result.failed, 5);
    assert.deepEqual(result.failAccounts.sort(), ['ghost', 'sensitive']);
    assert.deepEqual(result.invalidAccounts, ['foreign1']);
    const byAccount = Object.fromEntries(result.failures.map((f) => [f.toAccount, [f.code, f.kind]]));
    assert.deepEqual(byAccount, {
      ghost: [30003, 'permanent'],
      foreign1: [30002, 'permanent'],
      sensitive: [30005, 'permanent'],
      ok2: ['rejected', 'rejected'],
      mixed: ['rejected', 'rejected'],
    });
    assert.deepEqual(result.failedByCode, { 30002: 1, 30003: 1, 30005: 1, rejected: 2 });
    const sent = callsOf(stack.emulator.calls(), 'mixed');
    assert.equal(sent.length, 1, 'permanent per-item codes are not retried');
    assert.deepEqual(sent[0]?.toAccounts.sort(), ['foreign1', 'ghost', 'ok1', 'sensitive']);
    assertFriends(stack.emulator, 'mixed', [friendItem('ok1')]);
  });

  it('recovers from transient whole-request and per-item faults, re-sending only failed items', async () => {
    const items = friendItems(10, 'tr');
    stack.emulator.seedAccounts(['transient', ...items.map((i) => i.To_Account)]);
    stack.emulator.setFaults({
      seed: 7,
      rules: [
        { kind: 'failFirst', attempts: 1, code: 30006, fromAccounts: ['transient'] },
        { kind: 'failFirst', attempts: 2, code: 30008, toAccounts: ['tr3', 'tr7'] },
      ],
    });
    try {
      const handle = await importFriends(stack.target, 'transient', submitted(items), {
        submissionId: submissionId(),
      });
      const result = await handle.result();
      assert.equal(result.imported, 10);
      assert.equal(result.failed, 0);
      const calls = callsOf(stack.emulator.calls(), 'transient');
      assert.deepEqual(
        calls.map((c) => [c.errorCode, c.toAccounts.length]),
        [
          [30006, 10], // whole request failed: the activity retries it whole
          [0, 10], // tr3 and tr7 answer 30008 per item
          [0, 2], // only tr3 and tr7 again: 30008 once more
          [0, 2],
        ],
      );
      assert.deepEqual(calls[2]?.toAccounts.sort(), ['tr3', 'tr7']);
      assert.equal(result.calls, 4);
      assertFriends(stack.emulator, 'transient', items);
    } finally {
      stack.emulator.setFaults(undefined);
    }
  });

  it('returns every outcome of a 3,000-friend user whose every item failed, within payload limits', async () => {
    stack.emulator.seedAccounts(['allfail']);
    const items = friendItems(3000, 'missing-'); // none of these accounts exists: 30003 per item
    const handle = await importFriends(stack.target, 'allfail', submitted(items), {
      submissionId: submissionId(),
    });
    const result = await handle.result();
    assert.deepEqual([result.items, result.imported, result.failed, result.calls], [3000, 0, 3000, 3]);
    assert.equal(result.failures.length, 3000);
    assert.equal(result.failAccounts.length, 3000);
    assert.ok(result.failures.every((f) => f.code === 30003 && f.kind === 'permanent'));
    const bytes = JSON.stringify(result).length;
    assert.ok(bytes < 1_000_000, `result is ${bytes} bytes`);
  });

  it('renews the admin UserSig after an auth code and completes', async () => {
    stack.emulator.seedAccounts(['authuser', 'au0']);
    stack.emulator.setFaults({
      rules: [{ kind: 'failFirst', attempts: 1, code: 70001, fromAccounts: ['authuser'] }],
    });
    try {
      const handle = await importFriends(stack.target, 'authuser', submitted([friendItem('au0')]), {
        submissionId: submissionId(),
      });
      const result = await handle.result();
      assert.deepEqual([result.imported, result.calls], [1, 2]);
      assert.deepEqual(
        callsOf(stack.emulator.calls(), 'authuser').map((c) => c.errorCode),
        [70001, 0],
      );
    } finally {
      stack.emulator.setFaults(undefined);
    }
  });

  it('never retries a whole-request permanent code (From_Account not imported)', async () => {
    const handle = await importFriends(stack.target, 'nobody', submitted(friendItems(3, 'nb')), {
      submissionId: submissionId(),
    });
    const result = await handle.result();
    assert.equal(result.failed, 3);
    assert.deepEqual(
      result.failures.map((f) => [f.code, f.kind]),
      [
        [30003, 'permanent'],
        [30003, 'permanent'],
        [30003, 'permanent'],
      ],
    );
    assert.equal(callsOf(stack.emulator.calls(), 'nobody').length, 1);
  });

  it('two concurrent callers for one user share one run, write serially, and each gets its outcome', async () => {
    const a = friendItems(1500, 'ca');
    const b = friendItems(1500, 'cb');
    stack.emulator.seedAccounts(['shared', ...a.map((i) => i.To_Account), ...b.map((i) => i.To_Account)]);
    const before = stack.emulator.stats().friendImport.overlaps;
    const [ha, hb] = await Promise.all([
      importFriends(stack.target, 'shared', submitted(a), { submissionId: 'caller-a' }),
      importFriends(stack.target, 'shared', submitted(b), { submissionId: 'caller-b' }),
    ]);
    assert.equal(ha.runId, hb.runId, 'one workflow run for the user');
    const [oa, ob] = await Promise.all([ha.outcome(), hb.outcome()]);
    assert.deepEqual([oa.total, oa.imported, ob.total, ob.imported], [1500, 1500, 1500, 1500]);
    assert.equal(stack.emulator.stats().friendImport.overlaps, before, 'no overlapping writes');
    const calls = callsOf(stack.emulator.calls(), 'shared');
    for (let i = 1; i < calls.length; i++)
      assert.ok(
        calls[i]!.arrivedAt >= calls[i - 1]!.finishedAt,
        'each call starts after the previous one ended',
      );
    assertFriends(stack.emulator, 'shared', [...a, ...b]);
  });

  it('a retried delivery with the same submission ID is accepted once', async () => {
    stack.emulator.seedAccounts(['retry', 'rt0', 'rt1']);
    const items = submitted([friendItem('rt0'), friendItem('rt1')]);
    const first = await importFriends(stack.target, 'retry', items, { submissionId: 'same-id' });
    const second = await importFriends(stack.target, 'retry', items, { submissionId: 'same-id' });
    assert.equal(first.accepted, 2);
    assert.equal(second.accepted, 2, 'the same update ID gets the same answer');
    assert.equal(second.runId, first.runId);
    const result = await first.result();
    assert.equal(result.items, 2, 'the items were added once');
    assert.equal(result.imported, 2);
    assert.equal(callsOf(stack.emulator.calls(), 'retry').length, 1);
  });

  it('cancellation stops after the call in flight and still returns the partial result', async () => {
    const items = friendItems(3000, 'cx');
    stack.emulator.seedAccounts(['cancelme', ...items.map((i) => i.To_Account)]);
    const handle = await importFriends(stack.target, 'cancelme', submitted(items), {
      submissionId: submissionId(),
    });
    // Cancel once the first call is under way.
    for (let i = 0; i < 200 && callsOf(stack.emulator.calls(), 'cancelme').length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    await handle.cancel();
    const result = await handle.result();
    assert.equal(result.state, 'cancelled');
    assert.ok(result.imported >= 1000, `imported ${result.imported}`);
    assert.equal(result.imported + result.failed, 3000, 'every item has an outcome');
    assert.equal(result.failures.filter((f) => f.kind === 'cancelled').length, result.failed);
    assert.equal(stack.emulator.friendsOf('cancelme').length, result.imported);
  });

  it('continues as new with its queue and tallies, and callers still get their outcomes', async () => {
    const items = friendItems(1200, 'can');
    stack.emulator.seedAccounts(['longlived', ...items.map((i) => i.To_Account)]);
    const target = { ...stack.target, options: { batchSize: 50, continueAsNewAfterEvents: 40 } };
    const handle = await importFriends(target, 'longlived', submitted(items), {
      submissionId: submissionId(),
    });
    const outcome = await handle.outcome();
    assert.deepEqual([outcome.imported, outcome.failed], [1200, 0]);
    const result = await handle.result();
    assert.deepEqual([result.items, result.imported, result.calls], [1200, 1200, 24]);
    const runs = await stack.client.workflow.count(`WorkflowId = '${handle.workflowId}'`);
    assert.ok(runs.count > 1, `expected several runs, saw ${runs.count}`);
    assertFriends(stack.emulator, 'longlived', items);
  });

  it('replays every history recorded above without non-determinism', async () => {
    const histories = stack.client.workflow
      .list({ query: `WorkflowType = 'ImportFriendsWorkflow'` })
      .intoHistories();
    let replayed = 0;
    for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      assert.equal(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
      replayed++;
    }
    assert.ok(replayed >= 8, `replayed ${replayed} histories`);
  });
});
