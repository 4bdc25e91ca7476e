import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  accountCalls,
  batchedCalls,
  DEFAULT_RATES,
  estimateTemporalActions,
  planJob,
  TEMPORAL_COSTS,
} from '../../../core/plan.js';
import { PlanCounter, type PlanRecord } from '../../../core/planCount.js';

const tos = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const line = (from: string | undefined, to: string[], itemCount = to.length): PlanRecord => ({
  fromAccount: from,
  itemCount,
  toAccounts: to,
});

describe('planJob: calls, seconds and Temporal actions', () => {
  it('counts batches per user and accounts per 100', () => {
    assert.equal(batchedCalls([2_500, 3, 1_000, 1_001], 1_000), 3 + 1 + 1 + 2);
    assert.equal(batchedCalls([2_500], 500), 5);
    assert.equal(batchedCalls([], 1_000), 0);
    assert.deepEqual([accountCalls(0), accountCalls(1), accountCalls(100), accountCalls(101)], [0, 1, 1, 2]);
  });

  it('adds up the phases at each API rate, defaults where none is given', () => {
    const plan = planJob({
      calls: { friend_import: 1_265, account_check: 40, multiaccount_import: 40, friend_get: 0 },
      upTo: ['multiaccount_import'],
      rates: { friend_import: 100 },
      pages: 2,
    });
    assert.deepEqual(Object.keys(plan.calls), ['account_check', 'multiaccount_import', 'friend_import']);
    assert.deepEqual(plan.rates, { account_check: 100, multiaccount_import: 100, friend_import: 100 });
    assert.deepEqual(plan.seconds.perApi, {
      account_check: 0.4,
      multiaccount_import: 0.4,
      friend_import: 12.65,
    });
    assert.ok(Math.abs(plan.seconds.total - 13.45) < 1e-9);
    assert.deepEqual([plan.minimumCalls, plan.maximumCalls], [1_305, 1_345]);
    assert.deepEqual(plan.upTo, ['multiaccount_import']);
  });

  it('takes the vendor defaults: 200/s, accounts 100/s', () => {
    const plan = planJob({ calls: { friend_import: 200, friend_delete: 400, account_check: 100 }, pages: 1 });
    assert.deepEqual(plan.seconds.perApi, { account_check: 1, friend_delete: 2, friend_import: 1 });
    assert.equal(plan.seconds.total, 4);
    assert.equal(DEFAULT_RATES.multiaccount_import, 100);
    // An "up to" API the job does not call is not listed.
    assert.deepEqual(planJob({ calls: {}, upTo: ['multiaccount_import'], pages: 0 }).upTo, []);
  });

  it('estimates the actions of the measured job: one page of 52 s ≈ the bench figures', () => {
    // bench/RESULTS.md run 7: 1 run, the page and the report, 27 heartbeats, 20 lease updates,
    // 0.02 actions and queries per call over 10,000 calls (≈ 200).
    const a = estimateTemporalActions(1, 52);
    assert.deepEqual(a.breakdown, {
      workflowRuns: 1,
      activities: 2,
      heartbeats: 26,
      queries: 130,
      leaseUpdates: 2 + 19,
      searchAttributeUpserts: 2,
    });
    assert.equal(a.total, 1 + 2 + 26 + 130 + 21 + 2);
    assert.ok(a.total > 150 && a.total < 250);
  });

  it('counts accounts-first activities and continue-as-new runs with the pages', () => {
    const pagesPerRun = TEMPORAL_COSTS.jobEventsPerRun / TEMPORAL_COSTS.jobEventsPerPage;
    const a = estimateTemporalActions(1_000, 0, { extraActivitiesPerPage: 1 });
    assert.equal(a.breakdown.activities, 2_001);
    assert.equal(a.breakdown.leaseUpdates, 4_000);
    assert.equal(a.breakdown.workflowRuns, 1 + Math.floor(1_000 / pagesPerRun));
    assert.equal(planJob({ calls: { friend_import: 10 }, pages: 3 }).temporalActions.breakdown.activities, 4);
  });
});

describe('PlanCounter: what a file makes of the plan', () => {
  const options = { batchSize: 1_000, pageLines: 100, pageItems: 2_000_000, accounts: false };

  it("batches each user's items across its lines: 2,500 over 3 lines are 3 calls", () => {
    const c = new PlanCounter(options);
    const big = tos('big', 2_500);
    c.add(line('big', big.slice(0, 1_000)));
    c.add(line('a', tos('a', 3)));
    c.add(line('big', big.slice(1_000, 2_000)));
    c.add(line('b', tos('b', 2)));
    c.add(line('big', big.slice(2_000)));
    c.add(line(undefined, [], 1)); // a bad line: counts for the page, sends nothing
    c.add(line('c', [], 4)); // every item rejected
    assert.deepEqual(c.counts(), { pages: 1, friendImportCalls: 3 + 1 + 1, accountCalls: 0, exact: true });
  });

  it('ends pages as the job does: a user split over two pages costs a call in each', () => {
    const c = new PlanCounter({ ...options, pageLines: 2 });
    c.add(line('u', tos('u', 10)));
    c.add(line('v', tos('v', 10)));
    c.add(line('v', tos('v2', 10))); // the same user's consecutive lines stay in the page
    c.add(line('u', tos('u2', 10))); // page 2
    c.add(line('w', tos('w', 10)));
    assert.deepEqual(c.counts(), { pages: 2, friendImportCalls: 4, accountCalls: 0, exact: true });
  });

  it('ends a page at its item limit too', () => {
    const c = new PlanCounter({ ...options, pageItems: 15 });
    for (const u of ['u', 'v', 'w']) c.add(line(u, tos(u, 10)));
    assert.equal(c.counts().pages, 2);
  });

  it('counts distinct accounts per page, From and To, 100 a call', () => {
    const c = new PlanCounter({ ...options, accounts: true, pageLines: 2 });
    c.add(line('a', tos('x', 150))); // 151 accounts
    c.add(line('b', ['a', 'x-0'])); // b is new: 152 → 2 calls
    c.add(line('c', ['a'])); // page 2: c and a → 1 call
    assert.deepEqual(c.counts(), { pages: 2, friendImportCalls: 3, accountCalls: 3, exact: true });
  });

  it('stays bounded past what it remembers, and says the counts are lower bounds', () => {
    const c = new PlanCounter({ ...options, accounts: true, maxRemembered: 2, pageLines: 10 });
    c.add(line('a', ['x']));
    c.add(line('b', ['y']));
    c.add(line('c', tos('c', 1_500))); // not remembered: pooled
    c.add(line('d', tos('d', 600)));
    c.add(line('a', ['z'])); // remembered: still exact for a
    const counts = c.counts();
    // a and b one call each; the pool of 2,100 items at least 3.
    assert.equal(counts.friendImportCalls, 2 + 3);
    assert.equal(counts.exact, false);
    assert.ok(counts.accountCalls >= 1);
  });
});
