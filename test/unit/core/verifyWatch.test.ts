import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyLeaseRequest } from '../../../coordination/rules/leases.js';
import { newCoordinatorState, type LeaseRequest } from '../../../coordination/rules/state.js';
import { WriterLog, mergeWriters, verifyHolder, writersIn } from '../../../core/verifyWatch.js';

const request = (holder: string, extra: Partial<LeaseRequest> = {}): LeaseRequest => ({
  holder,
  generation: 1,
  seq: 1,
  ttlMs: 20_000,
  capacity: { friend_import: 100, friend_check: 100 },
  want: { friend_import: 100 },
  ...extra,
});

describe('who wrote the users a verify read', () => {
  it('a bulk job alone holds the blanket: it covers every user read; a verify holder is no writer', () => {
    const s = newCoordinatorState();
    applyLeaseRequest(s, request(verifyHolder('v1'), { want: { friend_check: 100 } }), 0);
    applyLeaseRequest(s, request('job:imp', { acquire: ['a'], blanket: true }), 0);
    assert.equal(s.blanket, 'job:imp');
    const seen = writersIn(s, new Set(['a', 'b']), 1_000);
    assert.deepEqual(seen, [{ holder: 'job:imp', blanket: true, users: ['a', 'b'] }]);
  });

  it('named users go to their holder; users nobody holds are no one’s', () => {
    const s = newCoordinatorState();
    applyLeaseRequest(s, request('svc:w1:x', { acquire: ['a'] }), 0);
    applyLeaseRequest(s, request('job:j', { acquire: ['b'] }), 0);
    assert.deepEqual(writersIn(s, new Set(['a', 'b', 'c']), 1_000), [
      { holder: 'svc:w1:x', blanket: false, users: ['a'] },
      { holder: 'job:j', blanket: false, users: ['b'] },
    ]);
  });

  it('a holder that ended, or whose lease ran out, writes no more', () => {
    const s = newCoordinatorState();
    applyLeaseRequest(s, request('job:j', { acquire: ['a'] }), 0);
    assert.deepEqual(writersIn(s, new Set(['a']), 25_000), [], 'lease ran out at 20 s');
    applyLeaseRequest(s, request('job:j', { seq: 2, end: 'holder', release: ['a'] }), 1_000);
    assert.deepEqual(writersIn(s, new Set(['a']), 1_100), []);
  });

  it('the log counts each user once and merges pages by holder', () => {
    const log = new WriterLog();
    log.note([{ holder: 'job:j', blanket: true, users: ['a', 'b'] }]);
    log.note([{ holder: 'job:j', blanket: false, users: ['b', 'c'] }]);
    const [w] = log.list();
    assert.deepEqual(w, {
      holder: 'job:j',
      kind: 'job',
      jobId: 'j',
      blanket: true,
      users: 3,
      sample: ['a', 'b', 'c'],
    });
    const carried = new WriterLog(log.list());
    carried.note([{ holder: 'svc:w:1', blanket: false, users: ['x'] }]);
    assert.deepEqual(
      carried.list().map((x) => [x.holder, x.kind, x.users]),
      [
        ['job:j', 'job', 3],
        ['svc:w:1', 'service', 1],
      ],
    );
    assert.deepEqual(
      mergeWriters(log.list(), [
        { holder: 'job:j', kind: 'job', jobId: 'j', blanket: false, users: 2, sample: ['z'] },
      ]).map((x) => [x.users, x.sample]),
      [[5, ['a', 'b', 'c', 'z']]],
    );
  });
});
