import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallWindow } from '../../../activities/callWindow.js';

describe('CallWindow', () => {
  it('spaces calls evenly and never lets more than `limit` start within one window, in FIFO order', async () => {
    const w = new CallWindow(5, 200, 10);
    const grants: { i: number; at: number }[] = [];
    await Promise.all(
      Array.from({ length: 17 }, (_, i) => w.acquire().then(() => grants.push({ i, at: Date.now() }))),
    );
    assert.deepEqual(
      grants.map((g) => g.i),
      Array.from({ length: 17 }, (_, i) => i),
    );
    for (let k = 1; k < grants.length; k++)
      assert.ok(
        grants[k]!.at - grants[k - 1]!.at >= 39,
        `grants ${k - 1} and ${k} only ${grants[k]!.at - grants[k - 1]!.at} ms apart`,
      );
    for (let k = 5; k < grants.length; k++)
      assert.ok(
        grants[k]!.at - grants[k - 5]!.at >= 200,
        `grant ${k} came ${grants[k]!.at - grants[k - 5]!.at} ms after grant ${k - 5}`,
      );
  });

  it('gives up waiting when the caller aborts', async () => {
    const w = new CallWindow(1, 10_000);
    await w.acquire();
    const ac = new AbortController();
    const waiting = w.acquire(ac.signal);
    ac.abort(new Error('cancelled'));
    await assert.rejects(waiting, /cancelled/);
  });
});
