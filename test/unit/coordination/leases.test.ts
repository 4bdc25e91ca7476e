import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyLeaseRequest } from '../../../coordination/rules/leases.js';
import { fairShares, freeRates, waterFill } from '../../../coordination/rules/shares.js';
import {
  HANDOVER_MARGIN_MS,
  newCoordinatorState,
  WINDOW_MS,
  type CoordinatorState,
  type LeaseRequest,
} from '../../../coordination/rules/state.js';

const CAP = { friend_import: 200, friend_check: 200, friend_get: 200 };
const HANDOVER = WINDOW_MS + HANDOVER_MARGIN_MS;

/** A holder's requests, numbered like a HolderSession numbers them. */
function holder(s: CoordinatorState, id: string, generation = 1, ttlMs = 20_000) {
  let seq = 0;
  return (at: number, r: Partial<LeaseRequest> = {}) =>
    applyLeaseRequest(
      s,
      { holder: id, generation, seq: ++seq, ttlMs, capacity: CAP, want: { friend_import: 200 }, ...r },
      at,
    );
}

describe('coordinator: users', () => {
  it('grants a free user, queues the next holder first come first served, hands over on release', () => {
    const s = newCoordinatorState();
    const a = holder(s, 'job:a');
    const b = holder(s, 'job:b');
    const c = holder(s, 'svc:c');
    assert.deepEqual(a(0, { acquire: ['u1', 'u2'] }).granted, ['u1', 'u2']);
    const rb = b(10, { acquire: ['u1', 'u3'] });
    assert.deepEqual([rb.granted, rb.waiting], [['u3'], ['u1']]);
    assert.deepEqual(c(20, { acquire: ['u1'] }).waiting, ['u1']);
    // a is told someone waits for u1 and should give it back soon.
    assert.deepEqual(a(30).wanted, ['u1']);
    a(40, { release: ['u1'] });
    assert.equal(s.owners.u1, 'job:b');
    // b learns it at its next request; c still waits behind it.
    assert.deepEqual(b(50).granted, ['u1']);
    assert.deepEqual(c(60).waiting, ['u1']);
    b(70, { release: ['u1'] });
    assert.deepEqual(c(80).granted, ['u1']);
  });

  it('answers a repeated request with the recorded answer (a retried Update leases nothing twice)', () => {
    const s = newCoordinatorState();
    const req: LeaseRequest = {
      holder: 'job:a',
      generation: 1,
      seq: 1,
      ttlMs: 20_000,
      capacity: CAP,
      want: { friend_import: 200 },
      acquire: ['u1'],
    };
    const first = applyLeaseRequest(s, req, 0);
    const again = applyLeaseRequest(s, req, 5);
    assert.deepEqual(again, first);
  });

  it('an expired holder keeps its users one window past its lease, then the next in line gets them', () => {
    const s = newCoordinatorState();
    const a = holder(s, 'job:a', 1, 1_000);
    const b = holder(s, 'job:b', 1, 60_000);
    a(0, { acquire: ['u1'] });
    assert.deepEqual(b(100, { acquire: ['u1'] }).waiting, ['u1']);
    // a's lease ends at 1,000; its last call may still count until one window later.
    assert.deepEqual(b(1_500).waiting, ['u1']);
    assert.ok(!('job:a' in s.holders));
    assert.deepEqual(b(1_000 + HANDOVER).granted, ['u1']);
  });

  it('a holder that ends gives back everything; a new incarnation cannot take its users early', () => {
    const s = newCoordinatorState();
    const a1 = holder(s, 'job:a', 1, 1_000);
    a1(0, { acquire: ['u1'] });
    // a1 dies without ending; a2 (the page's retry) takes over and must hold its calls.
    const a2 = holder(s, 'job:a', 2, 1_000);
    const r = a2(200, { acquire: ['u1'] });
    assert.deepEqual(r.granted, ['u1']);
    assert.equal(r.holdMs, 1_000 + HANDOVER - 200);
    // The replaced incarnation is told to stop.
    assert.match(a1(300).revoked ?? '', /replaced/);
  });

  it('a clean epoch end hands the holder to its next incarnation at once', () => {
    const s = newCoordinatorState();
    const p1 = holder(s, 'job:a', 1_001);
    p1(0, { acquire: ['u1'] });
    p1(100, { release: ['u1'], end: 'epoch' });
    const p2 = holder(s, 'job:a', 2_001);
    const r = p2(150, { acquire: ['u2'] });
    assert.equal(r.holdMs, 0);
    assert.equal(r.share.friend_import, 200);
  });
});

describe('coordinator: the blanket', () => {
  it('a holder alone gets the blanket; a waiter makes it convert, keeping only the users in use', () => {
    const s = newCoordinatorState();
    const a = holder(s, 'job:a');
    const svc = holder(s, 'svc:1');
    assert.equal(a(0, { blanket: true }).blanket, true);
    // A user import asks for two users the blanket covers: it waits, and a is asked to convert.
    assert.deepEqual(svc(10, { acquire: ['u1', 'u2'] }).waiting, ['u1', 'u2']);
    const told = a(20, { blanket: true });
    assert.deepEqual([told.blanket, told.convert], [true, true]);
    // a is writing for u1 only: u2 goes to the waiter at once, u1 when a gives it back.
    a(30, { dropBlanket: true, inUse: ['u1'] });
    assert.equal(s.blanket, undefined);
    const r = svc(40);
    assert.deepEqual([r.granted, r.waiting], [['u2'], ['u1']]);
    assert.deepEqual(a(50).wanted, ['u1']);
    a(60, { release: ['u1'] });
    assert.deepEqual(svc(70).granted, ['u1']);
  });

  it('no blanket while someone else holds or waits; a dead blanket holder keeps it one window past its lease', () => {
    const s = newCoordinatorState();
    const svc = holder(s, 'svc:1', 1, 1_000);
    const a = holder(s, 'job:a', 1, 1_000);
    svc(0, { acquire: ['u9'] });
    assert.equal(a(10, { blanket: true }).blanket, undefined);
    // svc dies holding u9: its lease ends at 1,000, and its last call may land one window later.
    assert.equal(a(1_100, { blanket: true }).blanket, undefined, 'not while the dead holder may still land');
    const granted = 1_000 + HANDOVER;
    assert.equal(a(granted, { blanket: true }).blanket, true);
    // a dies too: its lease ended at granted + 1,000; b waits one window more.
    const b = holder(s, 'job:b', 1, 60_000);
    const lease = granted + 1_000;
    assert.deepEqual(b(lease + 100, { acquire: ['u1'] }).waiting, ['u1']);
    assert.deepEqual(b(lease + HANDOVER).granted, ['u1']);
  });
});

describe('coordinator: rate shares', () => {
  it('water-fills: small wants are met, the rest split evenly, never above capacity', () => {
    assert.deepEqual(
      waterFill(200, [
        { id: 'a', want: 200 },
        { id: 'b', want: 20 },
        { id: 'c', want: 200 },
      ]),
      { b: 20, a: 90, c: 90 },
    );
    assert.deepEqual(waterFill(200, [{ id: 'a', want: 50 }]), { a: 50 });
  });

  it('a second holder waits for what the first gives up; the sum never exceeds the rate', () => {
    const s = newCoordinatorState();
    const a = holder(s, 'job:a');
    const b = holder(s, 'job:b');
    assert.equal(a(0).share.friend_import, 200);
    // Nothing is free: b gets nothing yet, a is asked to shrink to its fair half.
    assert.equal(b(10).share.friend_import, undefined);
    assert.equal(a(20).share.friend_import, 100);
    assert.equal(freeRates(s, 20).friend_import, 0);
    // a's window still counts 180 calls: it reports that, and b still gets only what is free.
    a(30, { bound: { friend_import: 180 } });
    assert.equal(b(40).share.friend_import, 20);
    // Once a has drained to 100, b gets its half.
    a(1_100, { bound: { friend_import: 100 } });
    assert.equal(b(1_110).share.friend_import, 100);
    const total = Object.values(s.holders).reduce((n, h) => n + (h.allocated.friend_import ?? 0), 0);
    assert.equal(total, 200);
  });

  it('a holder that ends frees its rate only one window later', () => {
    const s = newCoordinatorState();
    const a = holder(s, 'job:a');
    const b = holder(s, 'job:b');
    a(0);
    a(500, { end: 'holder' });
    assert.equal(b(600).share.friend_import, undefined);
    assert.equal(b(500 + HANDOVER).share.friend_import, 200);
  });

  it('uses the lowest rate the live holders are configured with', () => {
    const s = newCoordinatorState();
    applyLeaseRequest(
      s,
      {
        holder: 'a',
        generation: 1,
        seq: 1,
        ttlMs: 20_000,
        capacity: { friend_import: 50 },
        want: { friend_import: 200 },
      },
      0,
    );
    const r = applyLeaseRequest(
      s,
      { holder: 'b', generation: 1, seq: 1, ttlMs: 20_000, capacity: CAP, want: { friend_import: 200 } },
      0,
    );
    assert.equal(s.capacity.friend_import, 50);
    assert.equal(r.share.friend_import, undefined);
  });

  it('shares each API separately; a holder alone gets the whole rate of each API it wants some of', () => {
    const s = newCoordinatorState();
    const a = holder(s, 'job:a');
    const r = a(0, { want: { friend_import: 200, friend_check: 50 } });
    assert.deepEqual(r.share, { friend_import: 200, friend_check: 200 });
    assert.equal(fairShares(s)['job:a']?.friend_get, undefined, 'none of an API it does not want');
  });

  it('what a holder asks for decides the split; the rest goes to whoever wants more', () => {
    const s = newCoordinatorState();
    const svc = holder(s, 'svc:w');
    const job = holder(s, 'job:j');
    // Alone, a holder that asks for 20 gets the whole rate, and gives back the surplus later.
    assert.equal(svc(0, { want: { friend_import: 20 } }).share.friend_import, 200);
    job(10, { want: { friend_import: 200 } });
    assert.deepEqual(
      [fairShares(s)['svc:w']?.friend_import, fairShares(s)['job:j']?.friend_import],
      [20, 180],
    );
    // Its window drained to what it uses: the job gets the rest.
    assert.equal(
      svc(20, { want: { friend_import: 20 }, bound: { friend_import: 20 } }).share.friend_import,
      20,
    );
    assert.equal(job(30, { want: { friend_import: 200 } }).share.friend_import, 180);
  });
});
