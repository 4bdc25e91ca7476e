import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WindowCounter, WindowLimiter } from '../../../emulator/rateWindow.js';

describe('WindowCounter (max events in any sliding second)', () => {
  it('a window ending at t holds the events in (t - 1000, t]', () => {
    const w = new WindowCounter(1000);
    assert.equal(w.add(0), 1);
    assert.equal(w.add(999), 2);
    assert.equal(w.add(1000), 2, 'the event at 0 left the window ending at 1000');
    assert.equal(w.add(1998.5), 3);
    assert.equal(w.add(1999), 3, 'events at 999 … 1999 are inside the half-open window');
    assert.equal(w.max, 3);
  });

  it('finds the densest second even when it straddles whole seconds', () => {
    const w = new WindowCounter(1000);
    for (let t = 0; t < 900; t += 100) w.add(t); // 9 events in [0, 800]
    for (let t = 950; t < 1500; t += 10) w.add(t); // 55 more in [950, 1490]
    // Densest: (490, 1490] holds 4 of the first burst (500…800) and all 55 → 59.
    assert.equal(w.max, 59);
  });

  it('counts simultaneous events and resets', () => {
    const w = new WindowCounter(1000);
    for (let i = 0; i < 250; i++) w.add(42);
    assert.equal(w.max, 250);
    w.reset();
    assert.equal(w.max, 0);
    assert.equal(w.add(5000), 1);
  });

  it('keeps working across many compactions of its queue', () => {
    const w = new WindowCounter(1000);
    for (let t = 0; t < 100_000; t += 2) w.add(t);
    assert.equal(w.max, 500);
  });
});

describe('WindowLimiter', () => {
  it('admits `limit` events per sliding second; refused events do not count', () => {
    const l = new WindowLimiter(3, 1000);
    assert.deepEqual(
      [0, 10, 20, 30, 500, 999].map((t) => l.tryAcquire(t)),
      [true, true, true, false, false, false],
    );
    assert.equal(l.tryAcquire(1000), true, 'the event at 0 has left the window');
    assert.equal(l.tryAcquire(1001), false);
    assert.equal(l.tryAcquire(1010), true);
    assert.equal(l.tryAcquire(1020), true);
    assert.equal(l.tryAcquire(1021), false);
  });

  it('never admits more than `limit` in any window, whatever the arrival pattern', () => {
    const limit = 7;
    const l = new WindowLimiter(limit, 1000);
    const admitted: number[] = [];
    let t = 0;
    let seed = 12345;
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      t += (seed % 400) / 10; // 0–40 ms apart
      if (l.tryAcquire(t)) admitted.push(t);
    }
    const check = new WindowCounter(1000);
    for (const a of admitted) check.add(a);
    assert.equal(check.max, limit);
  });

  it('limit 0 admits everything', () => {
    const l = new WindowLimiter(0);
    for (let i = 0; i < 1000; i++) assert.equal(l.tryAcquire(0), true);
  });
});
