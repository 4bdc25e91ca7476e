/**
 * The app-wide rate, rate-limit back-off, configuration errors that fail fast, and a worker
 * SIGKILLed mid-import (durable), against the real dev server and emulator.
 */
import { WorkflowFailedError } from '@temporalio/client';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { importFriends, type UserImportHandle } from '../../client/userImports.js';
import { assertFriends, friendItems, submitted } from '../support/data.js';
import { WindowCounter } from '../../emulator/rateWindow.js';
import { spawnEmulator, type RemoteEmulator } from '../support/remoteEmulator.js';
import { killHard, startStack, type Stack } from '../../cli/stack/stack.js';

async function importUsers(stack: Stack, users: string[], itemsPerUser: number): Promise<UserImportHandle[]> {
  for (const u of users)
    stack.emulator.seedAccounts([u, ...friendItems(itemsPerUser, `${u}-`).map((i) => i.To_Account)]);
  return Promise.all(
    users.map((u) =>
      importFriends(stack.target, u, submitted(friendItems(itemsPerUser, `${u}-`)), {
        submissionId: `s-${u}`,
      }),
    ),
  );
}

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** The `friend_import call` debug lines a worker printed: when each call (retries too) left. */
function callsSent(output: string): number[] {
  const times: number[] = [];
  for (const line of output.split('\n')) {
    if (!line.includes('"friend_import call"')) continue;
    const entry = JSON.parse(line) as { time: number; msg: string };
    if (entry.msg === 'friend_import call') times.push(entry.time);
  }
  return times.sort((a, b) => a - b);
}

describe('the app-wide rate', { timeout: 180_000 }, () => {
  let stack: Stack;
  let service: RemoteEmulator;
  let worker: ChildProcess;
  const users = names('rate', 50);
  before(async () => {
    stack = await startStack({ worker: false, rateLimit: 20 });
    // The service in its own process, as the real one is remote, enforcing 20/s: any excess call
    // would be answered 60007 (and show in its stats).
    service = await spawnEmulator({
      rateLimit: 20,
      writeLatencyMs: 5,
      accounts: users.flatMap((u) => [u, ...friendItems(10, `${u}-`).map((i) => i.To_Account)]),
    });
    // The worker in its own process too, as deployed; its debug log stamps every call it sends.
    worker = await stack.spawnWorker({ IM_BASE_URL: service.baseUrl, LOG_LEVEL: 'debug' });
  });
  after(async () => {
    await stack?.stop();
    await service?.stop();
  });

  it('50 users at once never exceed 20 calls in any 1-second window', async (t) => {
    const handles = await Promise.all(
      users.map((u) =>
        importFriends(stack.target, u, submitted(friendItems(10, `${u}-`)), { submissionId: `s-${u}` }),
      ),
    );
    const results = await Promise.all(handles.map((h) => h.result()));
    assert.deepEqual(
      results.map((r) => r.imported),
      users.map(() => 10),
    );
    const all = await service.stats();
    const stats = all.friendImport;
    const sent = callsSent(stack.outputOf(worker));
    const window = new WindowCounter(1000);
    for (const t of sent) window.add(t);
    const seen = JSON.stringify({
      sent: sent.length,
      maxSentInAnyWindow: window.max,
      ...stats,
      answers: all.byRoute['v4/sns/friend_import'],
    });
    t.diagnostic(seen);
    // The app-wide rate on both sides: every call the worker sent (retries included), and every call as the
    // service stamped it on arrival.
    assert.equal(sent.length, stats.calls, `every call sent was logged once: ${seen}`);
    assert.ok(window.max <= 20, `sent ${window.max} calls within one second: ${seen}`);
    assert.ok(
      stats.maxCallsInAnyWindow <= 20,
      `${stats.maxCallsInAnyWindow} arrived within one second: ${seen}`,
    );
    assert.equal(stats.rateLimited, 0, seen);
    assert.equal(stats.overlaps, 0, seen);
    assert.equal(stats.calls, 50, seen);
  });
});

describe('rate-limit codes', { timeout: 180_000 }, () => {
  let stack: Stack;
  before(async () => {
    // The service allows 3 calls a second, but the worker believes it may make 50: 60007 follows.
    stack = await startStack({ rateLimit: 50, emulator: { rateLimit: 3, recordCalls: true } });
  });
  after(async () => stack?.stop());

  it('back off with nextRetryDelay and end in full success', async () => {
    const handles = await importUsers(stack, names('rl', 12), 5);
    const results = await Promise.all(handles.map((h) => h.result()));
    assert.ok(results.every((r) => r.imported === 5 && r.failed === 0));
    const calls = stack.emulator.calls();
    const limited = calls.filter((c) => c.errorCode === 60007);
    assert.ok(limited.length > 0, 'the service rate-limited some calls');
    for (const c of limited) {
      const next = calls.find((d) => d.fromAccount === c.fromAccount && d.arrivedAt > c.arrivedAt);
      assert.ok(next, `${c.fromAccount} was retried`);
      assert.ok(
        next.arrivedAt - c.finishedAt >= 1000,
        `${c.fromAccount} retried after ${next.arrivedAt - c.finishedAt} ms`,
      );
    }
  });
});

describe('configuration errors', { timeout: 120_000 }, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ worker: false, emulator: { recordCalls: true } });
  });
  after(async () => stack?.stop());

  it('a wrong secret key fails the import fast with what to fix, after one call', async () => {
    await stack.startWorker({ secretKey: 'not-the-app-key' });
    const [handle] = await importUsers(stack, ['cfg'], 3);
    const err = await handle!.result().catch((e: unknown) => e);
    assert.ok(err instanceof WorkflowFailedError, String(err));
    assert.match(String(err.cause?.message), /70009.*IM_SECRET_KEY/);
    assert.deepEqual(stack.emulator.stats().byRoute['v4/sns/friend_import'], { 70009: 1 }, 'not retried');
  });
});

describe('a worker SIGKILLed mid-import: durable', { timeout: 300_000 }, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      worker: false,
      rateLimit: 20,
      emulator: { writeLatencyMs: 20, recordCalls: true },
    });
  });
  after(async () => stack?.stop());

  it('resumes on a new worker and ends in the same state as an undisturbed run', async () => {
    const first = await stack.spawnWorker();
    const users = names('kill', 20);
    const handles = await importUsers(stack, users, 1500); // 40 calls at 20/s: about 2 s of work
    // Kill once the work is under way (a quarter of the calls made), however slow the machine.
    for (let i = 0; i < 6_000 && stack.emulator.stats().friendImport.calls < 10; i++)
      await new Promise((r) => setTimeout(r, 10));
    await killHard(first);
    const callsAtKill = stack.emulator.stats().friendImport.calls;
    assert.ok(callsAtKill >= 10 && callsAtKill < 40, `killed after ${callsAtKill} calls`);
    await stack.spawnWorker();
    const results = await Promise.all(handles.map((h) => h.result()));
    for (const [i, r] of results.entries()) {
      assert.deepEqual([r.items, r.imported, r.failed], [1500, 1500, 0], users[i]);
      assertFriends(stack.emulator, users[i]!, friendItems(1500, `${users[i]}-`));
    }
    assert.equal(stack.emulator.stats().friendImport.overlaps, 0);
  });
});
