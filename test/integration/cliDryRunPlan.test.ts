/**
 * The plan `import --dry-run` prints (docs/cli.md, "The plan"): friend_import calls per user across
 * the user's lines, account calls with --create-accounts, the time at the configured rates and the
 * Temporal actions — from the real CLI as a child process, with no server (a dry run needs none).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { friendItem } from '../support/data.js';
import { writeJsonl, type UserInput } from '../support/files.js';
import { jsonOut, runCli } from './cliHelpers.js';
import { scratchDir } from './cliStack.js';

interface PlanJson {
  calls: Record<string, number>;
  upTo: string[];
  rates: Record<string, number>;
  seconds: { perApi: Record<string, number>; total: number };
  minimumCalls: number;
  maximumCalls: number;
  temporalActions: { total: number; breakdown: Record<string, number> };
  pages: number;
  batchSize: number;
  createAccounts: boolean;
  exact: boolean;
}

/** No rate or batch setting from the environment the tests run in: the defaults. */
const NO_SETTINGS = Object.fromEntries(
  [
    'IM_RATE_LIMIT',
    'IM_CHECK_RATE_LIMIT',
    'IM_GET_RATE_LIMIT',
    'IM_UPDATE_RATE_LIMIT',
    'IM_DELETE_RATE_LIMIT',
    'IM_ACCOUNT_CHECK_RATE_LIMIT',
    'IM_ACCOUNT_IMPORT_RATE_LIMIT',
    'IM_BATCH_SIZE',
  ].map((k) => [k, undefined]),
);

const items = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => friendItem(`${prefix}-${from + i}`));

describe('friend-import import --dry-run: the plan', { timeout: 120_000 }, () => {
  const dir = scratchDir('cli-plan-');

  it('counts friend_import calls per user across lines, account calls per page, time and actions', async () => {
    // "big" has 2,500 friends over three lines, between users of a few friends each.
    const lines: UserInput[] = [
      { from: 'big', items: items('f', 0, 1_000) },
      { from: 'few1', items: items('g', 0, 3) },
      { from: 'big', items: items('f', 1_000, 2_000) },
      { from: 'few2', items: [friendItem('big'), friendItem('few1')] },
      { from: 'big', items: items('f', 2_000, 2_500) },
      { from: 'few3', items: [friendItem('g-0'), friendItem('few3', {})] }, // one self-friend: rejected
    ];
    const file = join(dir(), 'plan.jsonl');
    await writeJsonl(file, lines, ['{not json']);

    const r = await runCli(['import', file, '--dry-run', '--json'], { env: NO_SETTINGS });
    assert.equal(r.code, 3, r.stderr); // the bad rows decide the exit code, as before
    const plan = jsonOut<{ plan: PlanJson }>(r).plan;
    // 3 calls for big, 1 for each of the three others.
    assert.deepEqual(plan.calls, { friend_import: 6 });
    assert.deepEqual([plan.pages, plan.batchSize, plan.exact, plan.createAccounts], [1, 1_000, true, false]);
    assert.deepEqual([plan.minimumCalls, plan.maximumCalls, plan.upTo], [6, 6, []]);
    assert.equal(plan.seconds.perApi.friend_import, 6 / 200);
    assert.ok(plan.temporalActions.total >= 1 + 2, JSON.stringify(plan.temporalActions));

    const text = await runCli(['import', file, '--dry-run'], { env: NO_SETTINGS });
    assert.equal(text.code, 3);
    assert.match(text.stdout, /^Dry run of .*\nPlan: 1 page of up to 100,000 lines/m);
    assert.match(text.stdout, /^ {2}friend_import +6 calls → 30 ms at 200\/s$/m);
    assert.match(text.stdout, /^ {2}Temporal actions ≈ \d+ \(/m);

    // Accounts first: the distinct accounts of the valid items, From and To, 100 a call.
    // big, f-0…f-2499, few1, g-0…g-2, few2, few3 (few2's and few3's friends are among them).
    const accounts = 1 + 2_500 + 1 + 3 + 1 + 1;
    const withAccounts = await runCli(['import', file, '--dry-run', '--json', '--create-accounts'], {
      env: { ...NO_SETTINGS, IM_ACCOUNT_CHECK_RATE_LIMIT: '50' },
    });
    assert.equal(withAccounts.code, 3, withAccounts.stderr);
    const a = jsonOut<{ plan: PlanJson }>(withAccounts).plan;
    const checks = Math.ceil(accounts / 100);
    assert.deepEqual(a.calls, { account_check: checks, multiaccount_import: checks, friend_import: 6 });
    assert.deepEqual(a.upTo, ['multiaccount_import']);
    assert.deepEqual([a.minimumCalls, a.maximumCalls], [checks + 6, 2 * checks + 6]);
    assert.deepEqual(a.rates, { account_check: 50, multiaccount_import: 100, friend_import: 200 });
    assert.ok(Math.abs(a.seconds.total - (checks / 50 + checks / 100 + 6 / 200)) < 1e-9);
    assert.equal(a.temporalActions.breakdown.activities, 3, 'the page, prepareAccounts and the report');

    // IM_BATCH_SIZE cuts big into 5 calls; a bad rate is exit 2, naming its variable.
    const smaller = await runCli(['import', file, '--dry-run', '--json'], {
      env: { ...NO_SETTINGS, IM_BATCH_SIZE: '500' },
    });
    assert.deepEqual(jsonOut<{ plan: PlanJson }>(smaller).plan.calls, { friend_import: 5 + 3 });
    const bad = await runCli(['import', file, '--dry-run'], {
      env: { ...NO_SETTINGS, IM_DELETE_RATE_LIMIT: '0' },
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /IM_DELETE_RATE_LIMIT must be above 0/);
  });
});
