import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CallWindow, catchUpMs, nextSlotAt } from '../../../coordination/holder/callWindow.js';

const clock = () => performance.now();

describe('CallWindow', () => {
  it('spaces calls on a schedule and never lets more than `limit` start within one window, in FIFO order', async () => {
    const w = new CallWindow(5, 200);
    const grants: { i: number; at: number }[] = [];
    // The schedule starts no sooner than this; a busy machine may run grant 0's callback late, so
    // the slots are measured from here rather than from that callback.
    const start = clock();
    await Promise.all(
      Array.from({ length: 17 }, (_, i) =>
        w.acquire().then((answered) => {
          grants.push({ i, at: clock() });
          answered();
        }),
      ),
    );
    assert.deepEqual(
      grants.map((g) => g.i),
      Array.from({ length: 17 }, (_, i) => i),
    );
    // 40 ms apart on schedule; a late start makes up at most 20 ms, so the next may come sooner.
    const closest = 40 - catchUpMs(40);
    assert.equal(closest, 20);
    for (let k = 1; k < grants.length; k++)
      assert.ok(
        grants[k]!.at - grants[k - 1]!.at >= closest - 1,
        `grants ${k - 1} and ${k} only ${grants[k]!.at - grants[k - 1]!.at} ms apart`,
      );
    // The schedule itself: grant k no sooner than k spacings after the schedule's start.
    for (let k = 1; k < grants.length; k++)
      assert.ok(
        grants[k]!.at - start >= k * 40 - 2,
        `grant ${k} ahead of its slot: ${grants.map((g) => (g.at - start).toFixed(1)).join(' ')}`,
      );
    for (let k = 5; k < grants.length; k++)
      assert.ok(
        grants[k]!.at - grants[k - 5]!.at >= 200,
        `grant ${k} came ${grants[k]!.at - grants[k - 5]!.at} ms after grant ${k - 5}`,
      );
  });

  it('makes up a late start: calls waiting behind a blocked thread keep their schedule', async () => {
    const w = new CallWindow(10, 1000); // 100 ms apart
    const at: number[] = [];
    const grants = Array.from({ length: 3 }, () =>
      w.acquire().then((answered) => {
        at.push(clock());
        answered();
      }),
    );
    await grants[0];
    // The thread is busy from just before the second slot until 20 ms after it.
    setTimeout(() => {
      const until = clock() + 25;
      while (clock() < until);
    }, 95);
    await Promise.all(grants);
    const [first, second, third] = at as [number, number, number];
    // Lower bounds only: a busy machine can only make calls later (how much later the schedule
    // allows is the pure rule below, with numbers).
    assert.ok(second - first >= 115, `the block did not delay the second call (${second - first} ms)`);
    assert.ok(third - first >= 199, `the third call came ${third - first} ms after the first`);
  });

  it('schedules the next slot from the schedule, making up a late start by at most catchUpMs', () => {
    // Slots 100 ms apart: the slot due at 100 starts on time, so the next is due at 200.
    assert.equal(nextSlotAt(100, 100, 100, 100), 200);
    // Started 19 ms late (at 119): all of it is made up, the next stays due at 200, not 219.
    assert.equal(nextSlotAt(100, 119, 100, 100), 200);
    // Started 50 ms late: at most 20 ms (catchUpMs) is made up, so the next is due at 230.
    assert.equal(catchUpMs(100), 20);
    assert.equal(nextSlotAt(100, 150, 100, 100), 230);
    // 5 ms apart, up to three spacings (15 ms) are made up.
    assert.equal(nextSlotAt(10, 40, 10, 5), 30);
    // Idle time is not lateness: a call after a pause is due when it asks, and starts a new schedule.
    assert.equal(nextSlotAt(-Infinity, 5_000, 5_000, 100), 5_100);
  });

  it('counts a call from its start until one window after its answer', async () => {
    const w = new CallWindow(1, 100);
    const slow = await w.acquire();
    let next: number | undefined;
    const waiting = w.acquire().then((answered) => {
      next = clock();
      return answered;
    });
    // Long past one window since the start: the call is still in flight, so it still counts.
    await sleep(250);
    assert.equal(next, undefined, 'a slot was free while the only allowed call was in flight');
    slow();
    const answeredAt = clock();
    (await waiting)();
    assert.ok(next! - answeredAt >= 99, `granted ${next! - answeredAt} ms after the answer`);
  });

  it('keeps the rate below one call per window by spacing alone', async () => {
    const w = new CallWindow(0.5, 100);
    (await w.acquire())();
    const first = clock();
    (await w.acquire())();
    assert.ok(clock() - first >= 199, `second call after ${clock() - first} ms`);
  });

  it('gives up waiting when the caller aborts', async () => {
    const w = new CallWindow(1, 10_000);
    const answered = await w.acquire();
    const ac = new AbortController();
    const waiting = w.acquire(ac.signal);
    ac.abort(new Error('cancelled'));
    await assert.rejects(waiting, /cancelled/);
    answered();
    await assert.rejects(w.acquire(AbortSignal.timeout(50)), /aborted due to timeout/);
  });

  it('a tail preloaded before the limit is known counts, and the first call follows it once a limit comes', async () => {
    // A holder's next incarnation: its windows start at 0 and get the previous one's last second.
    const w = new CallWindow(0, 200);
    w.preload([150, 100]);
    w.setLimit(2);
    const start = clock();
    const answered = await w.acquire(AbortSignal.timeout(2_000));
    answered();
    const waited = clock() - start;
    // The two preloaded calls fill the window until the older one is 200 ms old (50 ms from now).
    assert.ok(waited >= 45 && waited < 1_000, `first call after ${waited} ms`);
  });
});
