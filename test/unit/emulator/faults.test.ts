import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaultInjector, parseFaultPlan, type FaultPlan } from '../../../emulator/faults.js';
import { hash32, mulberry32, unitDraw } from '../../../emulator/prng.js';

describe('seeded PRNG', () => {
  it('mulberry32 repeats for a seed and differs across seeds', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const xs = Array.from({ length: 5 }, () => a());
    assert.deepEqual(
      Array.from({ length: 5 }, () => b()),
      xs,
    );
    assert.notDeepEqual(
      Array.from({ length: 5 }, () => c()),
      xs,
    );
    assert.ok(xs.every((x) => x >= 0 && x < 1));
  });

  it('keyed draws depend only on (seed, keys) and are spread evenly', () => {
    assert.equal(unitDraw(42, 3, 1), unitDraw(42, 3, 1));
    assert.notEqual(unitDraw(42, 3, 1), unitDraw(42, 1, 3), 'order of keys matters');
    assert.notEqual(hash32(1, [2]), hash32(2, [1]));
    const draws = Array.from({ length: 20_000 }, (_, n) => unitDraw(99, n));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
    const buckets = new Array<number>(10).fill(0);
    for (const d of draws) buckets[Math.floor(d * 10)]!++;
    assert.ok(
      buckets.every((n) => n > 1800 && n < 2200),
      buckets.join(','),
    );
  });
});

describe('fault plan schema', () => {
  it('fills defaults and accepts every rule kind', () => {
    const plan = parseFaultPlan({
      rules: [
        { kind: 'error', code: 30006, probability: 0.1 },
        { kind: 'http', every: 5 },
        { kind: 'slow', nth: [3], delayMs: 100 },
        { kind: 'item', code: 30008, toAccounts: ['x'] },
        { kind: 'failFirst', attempts: 2, code: 70169, fromAccounts: ['u'] },
      ],
    });
    assert.equal(plan.seed, 1);
    assert.equal(plan.slowMs, 12_000);
    assert.equal(plan.rules[1]?.kind === 'http' && plan.rules[1].status, 502);
  });

  it('rejects what it cannot honour, naming the place', () => {
    const bad: [unknown, RegExp][] = [
      [{ rules: [{ kind: 'error', code: 30010 }] }, /rules\.0\.code/],
      [{ rules: [{ kind: 'http', status: 404 }] }, /rules\.0\.status/],
      [{ rules: [{ kind: 'item', code: 70169 }] }, /rules\.0\.code/],
      [{ rules: [{ kind: 'failFirst', attempts: 1, code: 30006 }] }, /fromAccounts or toAccounts/],
      [{ rules: [{ kind: 'failFirst', attempts: 1, code: 70169, toAccounts: ['a'] }] }, /with toAccounts/],
      [{ rules: [{ kind: 'error', code: 30006, probability: 2 }] }, /probability/],
      [{ rules: [{ kind: 'explode' }] }, /kind/],
      [{ seed: -1 }, /seed/],
      [{ rules: [], extra: true }, /extra|Unrecognized/i],
    ];
    for (const [plan, message] of bad)
      assert.throws(() => parseFaultPlan(plan), message, JSON.stringify(plan));
  });
});

describe('FaultInjector', () => {
  const injector = (plan: FaultPlan): FaultInjector => new FaultInjector(parseFaultPlan(plan));

  it('gives the nth request the same decision for the same seed, whatever came before', () => {
    const plan: FaultPlan = {
      seed: 5,
      rules: [
        { kind: 'error', code: 30006, probability: 0.2 },
        { kind: 'http', probability: 0.1 },
        { kind: 'slow', probability: 0.05 },
      ],
    };
    const a = injector(plan);
    const b = injector(plan);
    const seqA = Array.from({ length: 300 }, (_, i) => a.decideRequest(i + 1, 'u')?.kind ?? '-');
    const seqB = Array.from({ length: 300 }, (_, i) => b.decideRequest(i + 1, `other${i}`)?.kind ?? '-');
    assert.deepEqual(seqB, seqA);
    assert.equal(injector(plan).decideRequest(250, 'x')?.kind ?? '-', seqA[249], 'request 250 alone');
    const other = injector({ ...plan, seed: 6 });
    assert.notDeepEqual(
      Array.from({ length: 300 }, (_, i) => other.decideRequest(i + 1, 'u')?.kind ?? '-'),
      seqA,
    );
    const errors = seqA.filter((k) => k === 'error').length;
    assert.ok(errors > 35 && errors < 85, `about 20% errors: ${errors}`);
  });

  it('nth and every select request numbers; the first rule that fires decides', () => {
    const f = injector({
      rules: [
        { kind: 'error', code: 30007, nth: [2, 4] },
        { kind: 'http', status: 503, every: 2 },
        { kind: 'slow', nth: [5], delayMs: 10 },
      ],
    });
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => f.decideRequest(n, 'u')),
      [
        undefined,
        { kind: 'error', code: 30007, rule: 0 },
        undefined,
        { kind: 'error', code: 30007, rule: 0 },
        { kind: 'slow', delayMs: 10, rule: 2 },
        { kind: 'http', status: 503, rule: 1 },
      ],
    );
  });

  it('fromAccounts restricts request rules; slow rules default to the plan slowMs', () => {
    const f = injector({ slowMs: 777, rules: [{ kind: 'slow', fromAccounts: ['a'] }] });
    assert.equal(f.decideRequest(1, 'b'), undefined);
    assert.deepEqual(f.decideRequest(2, 'a'), { kind: 'slow', delayMs: 777, rule: 0 });
  });

  it('failFirst fails the first K attempts of each named account, counted even when another rule decides', () => {
    const f = injector({
      rules: [
        { kind: 'error', code: 70169, nth: [1] },
        { kind: 'failFirst', attempts: 2, code: 30006, fromAccounts: ['a', 'b'] },
        { kind: 'failFirst', attempts: 1, code: 30008, toAccounts: ['x'] },
      ],
    });
    assert.deepEqual(f.decideRequest(1, 'a'), { kind: 'error', code: 70169, rule: 0 }, 'attempt 1 of a');
    assert.deepEqual(f.decideRequest(2, 'a'), { kind: 'error', code: 30006, rule: 1 }, 'attempt 2 of a');
    assert.equal(f.decideRequest(3, 'a'), undefined, 'attempt 3 of a passes');
    assert.deepEqual(f.decideRequest(4, 'b'), { kind: 'error', code: 30006, rule: 1 });
    assert.equal(f.decideRequest(5, 'c'), undefined);
    assert.deepEqual(f.decideItem(6, 0, 'x'), { code: 30008, rule: 2 });
    assert.equal(f.decideItem(7, 0, 'x'), undefined);
    assert.equal(f.decideItem(7, 1, 'y'), undefined);
    assert.equal(f.hasItemRules, true);
  });

  it('item rules draw per item and respect toAccounts and request numbers', () => {
    const f = injector({ seed: 9, rules: [{ kind: 'item', code: 30006, probability: 0.5 }] });
    const g = injector({ seed: 9, rules: [{ kind: 'item', code: 30006, probability: 0.5 }] });
    const row = (inj: FaultInjector, n: number): string =>
      Array.from({ length: 40 }, (_, i) => (inj.decideItem(n, i, `t${i}`) ? 'x' : '.')).join('');
    assert.equal(row(f, 1), row(g, 1));
    assert.notEqual(row(f, 1), row(f, 2));
    const only = injector({ rules: [{ kind: 'item', code: 30008, nth: [2], toAccounts: ['t1'] }] });
    assert.equal(only.decideItem(1, 1, 't1'), undefined);
    assert.equal(only.decideItem(2, 0, 't0'), undefined);
    assert.deepEqual(only.decideItem(2, 1, 't1'), { code: 30008, rule: 0 });
    assert.equal(injector({ rules: [{ kind: 'error', code: 30006 }] }).hasItemRules, false);
  });
});
