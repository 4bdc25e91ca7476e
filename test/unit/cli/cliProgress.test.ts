import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  estimate,
  progressLine,
  pushSample,
  rate,
  type CallSample,
} from '../../../cli/commands/support/progress.js';
import type { JobProgress } from '../../../core/jobTypes.js';

const progress = (over: Partial<JobProgress>): JobProgress => ({
  jobId: 'j',
  state: 'running',
  lines: 0,
  users: 0,
  items: 0,
  imported: 0,
  failed: 0,
  failedByCode: {},
  calls: 0,
  inFlight: 0,
  concurrency: 10,
  offset: 0,
  sourceBytes: 1_000,
  eof: false,
  startedAt: 0,
  elapsedMs: 0,
  pages: 0,
  ...over,
});

describe('progress estimate', () => {
  it('scales the items read by the share of the file read', () => {
    // A quarter of the file holds 100 items → ~400 in all; 100 done = 25 %.
    const e = estimate(
      progress({ offset: 250, items: 100, imported: 90, failed: 10, elapsedMs: 10_000 }),
      [],
    );
    assert.equal(e.fraction, 0.25);
    assert.equal(e.etaMs, 30_000);
  });

  it('has no ETA before anything is done, and none left once finished', () => {
    assert.equal(estimate(progress({ offset: 0 }), []).etaMs, undefined);
    assert.equal(estimate(progress({ offset: 500, items: 50 }), []).etaMs, undefined);
    const end = estimate(
      progress({ state: 'completed', eof: true, offset: 1_000, items: 5, imported: 5 }),
      [],
    );
    assert.deepEqual([end.fraction, end.etaMs], [1, 0]);
  });

  it('uses the whole file once it is read', () => {
    const e = estimate(
      progress({ eof: true, offset: 1_000, items: 200, imported: 50, elapsedMs: 5_000 }),
      [],
    );
    assert.equal(e.fraction, 0.25);
  });

  it('counts calls per second over a sliding window', () => {
    const samples: CallSample[] = [];
    for (let t = 0; t <= 20_000; t += 1_000) pushSample(samples, { at: t, calls: t / 10 });
    assert.ok(samples[0]!.at >= 10_000, 'old samples are dropped');
    assert.equal(rate(samples), 100);
    assert.equal(rate([]), 0);
    assert.equal(rate([{ at: 1, calls: 5 }]), 0);
  });

  it('prints one plain line', () => {
    const p = progress({
      state: 'paused',
      offset: 500,
      items: 10,
      imported: 4,
      failed: 1,
      users: 3,
      elapsedMs: 1_000,
    });
    assert.equal(
      progressLine(p, estimate(p, [])),
      'job j [paused]: 25% · 3 users · 10 items · 4 imported · 1 failed · 0 calls/s · ETA 3.0 s',
    );
  });
});
