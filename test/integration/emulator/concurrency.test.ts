/** Write conflicts (30008 while a write for the same user is held), overlap stats and the sliding-second rate limit. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EmulatorStats } from '../../../emulator/index.js';
import { body, getJson, ids, item, start, waitFor, type Harness } from './support.js';

describe('emulator: write conflicts', () => {
  let h: Harness;
  before(async () => {
    h = await start({ accounts: ['alice', 'bob', ...ids('f', 10)], writeLatencyMs: 1500, recordCalls: true });
  });
  after(() => h.emulator.close());

  it('a friend_import for a user whose write is in flight gets 30008 for the whole request; other users are not blocked', async () => {
    const first = h.client.friendImport(body('alice', [item('f0')]));
    await waitFor(() => h.emulator.stats().friendImport.inFlight === 1, 'the first write to be in flight');
    const [second, other] = await Promise.all([
      h.client.friendImport(body('alice', [item('f1')])),
      h.client.friendImport(body('bob', [item('f1')])),
    ]);
    assert.equal(second.ErrorCode, 30008);
    assert.equal(second.ActionStatus, 'FAIL');
    assert.match(second.ErrorInfo, /write conflict/);
    assert.equal(other.ErrorCode, 0, 'a different From_Account is independent');
    assert.equal((await first).ErrorCode, 0, 'the held write completes');
    assert.deepEqual(
      h.emulator.friendsOf('alice').map((f) => f.To_Account),
      ['f0'],
      'the conflicting request wrote nothing',
    );
  });

  it('reports the overlap in the stats (HTTP too) and in the call log', async () => {
    const { body: stats } = await getJson<EmulatorStats>(h.emulator.baseUrl, '__emulator/stats');
    assert.equal(stats.friendImport.overlaps, 1);
    assert.deepEqual(stats.friendImport.overlapAccounts, ['alice']);
    assert.equal(stats.friendImport.inFlight, 0);
    assert.equal(stats.byRoute['v4/sns/friend_import']?.['30008'], 1);
    const calls = h.emulator.calls().filter((c) => c.fromAccount === 'alice');
    assert.equal(calls.length, 2);
    const [a, b] = calls.sort((x, y) => x.arrivedAt - y.arrivedAt);
    assert.ok(a && b && b.arrivedAt < a.finishedAt, 'the second arrived before the first finished');
    assert.equal(b.errorCode, 30008);
  });

  it('sequential calls for one user never conflict', async () => {
    for (const to of ['f2', 'f3'])
      assert.equal((await h.client.friendImport(body('bob', [item(to)]))).ErrorCode, 0);
    assert.equal(h.emulator.stats().friendImport.overlaps, 1);
  });

  it('friend_delete_all conflicts with a friend_import in flight (30008)', async () => {
    const write = h.client.friendImport(body('alice', [item('f5')]));
    await waitFor(() => h.emulator.stats().friendImport.inFlight === 1, 'the write to be in flight');
    const del = await h.client.call('friendDeleteAll', { From_Account: 'alice' });
    assert.equal(del.ErrorCode, 30008);
    assert.equal((await write).ErrorCode, 0);
  });
});

describe('emulator: the friend_import rate limit', () => {
  let h: Harness;
  /** Calls the first test saw go through: each wrote one friend, which a stats reset must keep. */
  let written = 0;
  before(async () => {
    h = await start({ accounts: ['u', ...ids('user', 40)], rateLimit: 5, rateLimitCode: 60018 });
  });
  after(() => h.emulator.close());

  it('beyond the limit in a sliding second, calls get the configured rate-limit code; the rest go through', async () => {
    const answers = await Promise.all(
      ids('user', 40).map((from) => h.client.friendImport(body(from, [item('u')]))),
    );
    const codes = answers.map((a) => a.ErrorCode);
    assert.ok(
      codes.every((c) => c === 0 || c === 60018),
      `only OK or 60018: ${codes.join(',')}`,
    );
    const limited = codes.filter((c) => c === 60018).length;
    assert.ok(codes.filter((c) => c === 0).length >= 5, 'the first 5 always pass');
    assert.ok(limited >= 1, '40 calls at once cannot all fit in 5 per second');
    const fi = h.emulator.stats().friendImport;
    assert.equal(fi.rateLimited, limited);
    assert.equal(fi.calls, 40);
    // Of the calls that arrived within one second, at most 5 went through.
    assert.ok(fi.maxCallsInAnyWindow > 5 && fi.maxCallsInAnyWindow <= 40, `${fi.maxCallsInAnyWindow}`);
    assert.ok(limited >= fi.maxCallsInAnyWindow - 5, `${limited} limited of ${fi.maxCallsInAnyWindow}`);
    written = codes.filter((c) => c === 0).length;
    const limitedAnswer = answers.find((a) => a.ErrorCode === 60018);
    assert.match(limitedAnswer?.ErrorInfo ?? '', /frequency/);
  });

  it('resetting the stats (HTTP) clears the counters, not the state', async () => {
    const res = await fetch(new URL('__emulator/stats/reset', h.emulator.baseUrl), { method: 'POST' });
    assert.equal(res.status, 200);
    const fi = h.emulator.stats().friendImport;
    assert.equal(fi.calls, 0);
    assert.equal(fi.maxCallsInAnyWindow, 0);
    assert.equal(fi.rateLimited, 0);
    const friends = ids('user', 40).reduce((n, from) => n + h.emulator.friendsOf(from).length, 0);
    assert.ok(written >= 5);
    assert.equal(friends, written, 'every friend written before the reset is still there');
  });
});

describe('emulator: the default rate limit', () => {
  it('is 200 per sliding second; the code beyond it is 60007', async () => {
    const h = await start({ accounts: ['u', ...ids('user', 260)] });
    const small = await start({ accounts: ['u', ...ids('user', 40)], rateLimit: 2 });
    try {
      const answers = await Promise.all(
        ids('user', 260).map((from) => h.client.friendImport(body(from, [item('u')]))),
      );
      assert.ok(answers.filter((a) => a.ErrorCode === 0).length >= 200, 'the first 200 always pass');
      assert.ok(answers.every((a) => a.ErrorCode === 0 || a.ErrorCode === 60007));
      // Of the calls that arrived within one second, at most 200 went through; the rest got 60007.
      const fi = h.emulator.stats().friendImport;
      const limited = answers.filter((a) => a.ErrorCode === 60007).length;
      assert.equal(fi.rateLimited, limited);
      assert.ok(
        limited >= fi.maxCallsInAnyWindow - 200,
        `${limited} limited of ${fi.maxCallsInAnyWindow} in a second`,
      );
      const burst = await Promise.all(
        ids('user', 40).map((from) => small.client.friendImport(body(from, [item('u')]))),
      );
      assert.ok(
        burst.some((a) => a.ErrorCode === 60007),
        '40 calls at once cannot fit in 2 per second',
      );
    } finally {
      await h.emulator.close();
      await small.emulator.close();
    }
  });
});

describe('emulator: rate limit 0 lifts it', () => {
  it('lets 50 simultaneous calls through and reports them all in one window', async () => {
    const h = await start({ accounts: ['u', ...ids('user', 50)], rateLimit: 0 });
    try {
      const answers = await Promise.all(
        ids('user', 50).map((from) => h.client.friendImport(body(from, [item('u')]))),
      );
      assert.ok(answers.every((a) => a.ErrorCode === 0));
      assert.equal(h.emulator.stats().friendImport.rateLimited, 0);
    } finally {
      await h.emulator.close();
    }
  });
});
