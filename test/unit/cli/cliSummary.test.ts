import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXIT } from '../../../cli/commands/errors.js';
import { codes, count, duration } from '../../../cli/commands/support/format.js';
import { exitCodeFor, formatSummary, jobSummary } from '../../../cli/commands/support/summary.js';
import type { JobSummary } from '../../../core/jobTypes.js';

const done: JobSummary = {
  jobId: 'j1',
  state: 'completed',
  lines: 10,
  users: 4,
  items: 12,
  imported: 10,
  failed: 2,
  failedByCode: { '30003': 1, rejected: 1 },
  calls: 5,
  inFlight: 0,
  concurrency: 300,
  offset: 100,
  sourceBytes: 100,
  eof: true,
  startedAt: 0,
  elapsedMs: 1_500,
  pages: 1,
  reportJsonl: '/r/report.jsonl',
  reportCsv: '/r/report.csv',
};

describe('job summary', () => {
  it('carries every field of the --json contract', () => {
    const s = jobSummary('j1', 'friend-import-job:j1', done);
    for (const key of [
      'jobId',
      'status',
      'users',
      'items',
      'imported',
      'failed',
      'failedByCode',
      'calls',
      'elapsedMs',
      'reportJsonl',
      'reportCsv',
    ])
      assert.ok(key in s, key);
    assert.equal(s.status, 'completed');
    assert.deepEqual(s.failedByCode, { '30003': 1, rejected: 1 });
    assert.equal(s.reportCsv, '/r/report.csv');
  });

  it('knows only the state and the error when the counters are gone', () => {
    const s = jobSummary('j2', 'w', undefined, { status: 'failed', error: 'wrong key' });
    assert.deepEqual([s.status, s.items, s.reportJsonl, s.error], ['failed', 0, null, 'wrong key']);
  });

  it('maps outcomes to exit codes', () => {
    assert.equal(exitCodeFor({ status: 'completed', failed: 0 }), EXIT.ok);
    assert.equal(exitCodeFor({ status: 'completed', failed: 2 }), EXIT.itemsFailed);
    assert.equal(exitCodeFor({ status: 'cancelled', failed: 7 }), EXIT.cancelled);
    assert.equal(exitCodeFor({ status: 'failed', failed: 0 }), EXIT.failure);
    assert.deepEqual([EXIT.ok, EXIT.failure, EXIT.usage, EXIT.itemsFailed], [0, 1, 2, 3]);
  });

  it('reads as a few lines for people', () => {
    const text = formatSummary(jobSummary('j1', 'w', done));
    assert.match(text, /^Job j1 completed after 1\.5 s/);
    assert.match(text, /failed {4}2 \(30003 ×1, rejected ×1\)/);
    assert.match(text, /report {4}\/r\/report\.jsonl/);
  });

  it('formats durations and code tallies', () => {
    assert.deepEqual(
      [duration(850), duration(12_340), duration(245_000), duration(7_380_000)],
      ['850 ms', '12.3 s', '4m05s', '2h03m'],
    );
    assert.equal(
      codes({ rejected: 3, '30010': 1, '30003': 2, config: 1, zero: 0 }),
      '30003 ×2, 30010 ×1, config ×1, rejected ×3',
    );
  });

  it('counts with the noun in the right number', () => {
    assert.deepEqual(
      [count(0, 'line'), count(1, 'line'), count(2, 'line'), count(1_234, 'line')],
      ['0 lines', '1 line', '2 lines', '1,234 lines'],
    );
    assert.deepEqual([count(1, 'bad row'), count(3, 'bad row')], ['1 bad row', '3 bad rows']);
    assert.deepEqual(
      [count(1, 'pair differs', 'pairs differ'), count(2, 'pair differs', 'pairs differ')],
      ['1 pair differs', '2 pairs differ'],
    );
    assert.equal(count(12_345), '12,345');
  });

  it('says 1 line, 1 user, 1 item and 1 call, not 1 lines', () => {
    const one: JobSummary = {
      ...done,
      lines: 1,
      users: 1,
      items: 1,
      imported: 1,
      failed: 0,
      failedByCode: {},
      calls: 1,
    };
    const text = formatSummary(jobSummary('j1', 'w', one));
    assert.match(text, /^ {2}read {6}1 line · 1 user · 1 item$/m);
    assert.match(text, /^ {2}calls {5}1 friend_import call$/m);
    const running = formatSummary(jobSummary('j1', 'w', { ...one, state: 'running', inFlight: 1 }));
    assert.match(running, /\(1\.5 s so far, 1 call in flight, concurrency 300\)/);
    const many = formatSummary(jobSummary('j1', 'w', done));
    assert.match(many, /^ {2}read {6}10 lines · 4 users · 12 items$/m);
    assert.match(many, /^ {2}calls {5}5 friend_import calls$/m);
  });
});
