/** The seeded fault plan: whole-request codes, HTTP 502, per-item codes, slow answers whose write lands, fail-first-K. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ImHttpError, ImTimeoutError, type ImClient } from '../../../im/index.js';
import type { FaultPlan } from '../../../emulator/index.js';
import { body, clientFor, ids, item, start, type Harness } from './support.js';

/** What one call produced, as a comparable string. */
async function outcome(client: ImClient, from: string, tos: string[]): Promise<string> {
  try {
    const r = await client.friendImport(
      body(
        from,
        tos.map((to) => item(to)),
      ),
    );
    if (r.ErrorCode !== 0) return `E${r.ErrorCode}`;
    return (r.ResultItem ?? []).map((i) => i.ResultCode).join(',');
  } catch (err) {
    if (err instanceof ImHttpError) return `H${err.status}`;
    throw err;
  }
}

const RANDOM_PLAN: FaultPlan = {
  seed: 42,
  rules: [
    { kind: 'error', code: 30006, probability: 0.15 },
    { kind: 'error', code: 70169, probability: 0.1 },
    { kind: 'http', status: 502, probability: 0.1 },
    { kind: 'item', code: 30008, probability: 0.1 },
  ],
};

describe('emulator faults: injected codes', () => {
  let h: Harness;
  before(async () => {
    h = await start({
      accounts: ['alice', 'bob', 'carol', ...ids('u', 30), ...ids('f', 10)],
      recordCalls: true,
    });
  });
  after(() => h.emulator.close());

  it('whole-request 30006, 30007, 30008, 70169 on chosen request numbers; nothing is written', async () => {
    h.emulator.setFaults({
      seed: 1,
      rules: [
        { kind: 'error', code: 30006, nth: [1] },
        { kind: 'error', code: 30007, nth: [2] },
        { kind: 'error', code: 30008, nth: [3] },
        { kind: 'error', code: 70169, nth: [4] },
      ],
    });
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await outcome(h.client, 'alice', [`f${i}`]));
    assert.deepEqual(got, ['E30006', 'E30007', 'E30008', 'E70169', '0']);
    assert.deepEqual(
      h.emulator.friendsOf('alice').map((f) => f.To_Account),
      ['f4'],
    );
    assert.deepEqual(
      h.emulator
        .calls()
        .slice(-5)
        .map((c) => c.fault),
      ['error:30006', 'error:30007', 'error:30008', 'error:70169', undefined],
    );
  });

  it('HTTP 502 from the gateway (not JSON), nothing written', async () => {
    h.emulator.setFaults({ rules: [{ kind: 'http', status: 502, every: 2 }] });
    assert.equal(await outcome(h.client, 'bob', ['f0']), '0');
    assert.equal(await outcome(h.client, 'bob', ['f1']), 'H502');
    assert.equal(h.emulator.stats().byRoute['v4/sns/friend_import']?.['http502'], 1);
    assert.deepEqual(
      h.emulator.friendsOf('bob').map((f) => f.To_Account),
      ['f0'],
    );
  });

  it('per-item 30006 and 30008: those items fail (Fail_Account), the others are written', async () => {
    h.emulator.setFaults({
      rules: [
        { kind: 'item', code: 30006, toAccounts: ['f1'] },
        { kind: 'item', code: 30008, nth: [1], toAccounts: ['f2'] },
      ],
    });
    const res = await h.client.friendImport(
      body(
        'carol',
        ['f0', 'f1', 'f2'].map((to) => item(to)),
      ),
    );
    assert.deepEqual(
      res.ResultItem?.map((r) => [r.To_Account, r.ResultCode, r.ResultInfo]),
      [
        ['f0', 0, ''],
        ['f1', 30006, 'Err_SNS_FriendImport_Exec_Task_Fail'],
        ['f2', 30008, 'Err_SNS_FriendImport_Write_Conflict'],
      ],
    );
    assert.deepEqual(res.Fail_Account, ['f1', 'f2']);
    assert.equal(h.emulator.calls().at(-1)?.fault, 'items');
    // Request 2: the 30008 rule was for request 1 only.
    const again = await h.client.friendImport(
      body(
        'carol',
        ['f1', 'f2'].map((to) => item(to)),
      ),
    );
    assert.deepEqual(
      again.ResultItem?.map((r) => r.ResultCode),
      [30006, 0],
    );
  });

  it('named accounts fail their first K attempts: From_Accounts whole-request, To_Accounts per item', async () => {
    h.emulator.setFaults({
      rules: [
        { kind: 'failFirst', attempts: 2, code: 30006, fromAccounts: ['u1'] },
        { kind: 'failFirst', attempts: 1, code: 30008, toAccounts: ['f9'] },
      ],
    });
    const u1 = [];
    for (let i = 0; i < 3; i++) u1.push(await outcome(h.client, 'u1', [`f${i}`]));
    assert.deepEqual(u1, ['E30006', 'E30006', '0']);
    assert.equal(await outcome(h.client, 'u2', ['f0']), '0', 'other users are unaffected');
    assert.equal(await outcome(h.client, 'u2', ['f8', 'f9']), '0,30008');
    assert.equal(await outcome(h.client, 'u3', ['f9']), '0', 'f9 failed once only');
  });

  it('the same seed gives the same sequence; another seed a different one', async () => {
    const thirtyCalls = async (client: ImClient): Promise<string[]> => {
      const seen = [];
      for (let i = 0; i < 30; i++) seen.push(await outcome(client, `u${i}`, [`f${i % 10}`, 'alice', 'bob']));
      return seen;
    };
    const run = (plan: FaultPlan): Promise<string[]> => {
      h.emulator.setFaults(plan);
      return thirtyCalls(h.client);
    };
    const first = await run(RANDOM_PLAN);
    const again = await run(RANDOM_PLAN);
    assert.deepEqual(again, first);
    const other = await run({ ...RANDOM_PLAN, seed: 43 });
    assert.notDeepEqual(other, first);
    assert.ok(first.some((o) => o === 'E30006') && first.some((o) => o === '0,0,0'), first.join(' '));

    const fresh = await start({
      accounts: ['alice', 'bob', ...ids('u', 30), ...ids('f', 10)],
      faults: RANDOM_PLAN,
    });
    try {
      const seen = [];
      for (let i = 0; i < 30; i++)
        seen.push(await outcome(fresh.client, `u${i}`, [`f${i % 10}`, 'alice', 'bob']));
      assert.deepEqual(seen, first, 'a new emulator with the same plan repeats the sequence');
    } finally {
      await fresh.emulator.close();
    }
  });

  it('PUT /__emulator/faults installs a plan (validated) or removes it with null', async () => {
    const put = (plan: unknown): Promise<Response> =>
      fetch(new URL('__emulator/faults', h.emulator.baseUrl), { method: 'PUT', body: JSON.stringify(plan) });
    const bad = await put({ rules: [{ kind: 'error', code: 30010 }] });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /rules\.0\.code/);
    assert.equal((await put({ rules: [{ kind: 'error', code: 70169 }] })).status, 200);
    assert.equal(await outcome(h.client, 'alice', ['f0']), 'E70169');
    assert.equal((await put(null)).status, 200);
    assert.equal(await outcome(h.client, 'alice', ['f0']), '0');
  });
});

describe('emulator faults: slow answers', () => {
  let h: Harness;
  before(async () => {
    h = await start({ accounts: ['alice', 'bob', 'carol'], recordCalls: true });
  });
  after(() => h.emulator.close());

  it('a slow answer outlives the client timeout, but its write lands and the user is free again', async () => {
    h.emulator.setFaults({ slowMs: 30_000, rules: [{ kind: 'slow', nth: [1] }] });
    const client = clientFor(h.emulator.baseUrl, { timeoutMs: 3_500 });
    await assert.rejects(
      client.friendImport(body('alice', [item('bob', { Remark: 'late' })])),
      ImTimeoutError,
    );
    assert.deepEqual(h.emulator.friendsOf('alice'), [
      { From_Account: 'alice', To_Account: 'bob', AddSource: 'AddSource_Type_Test', Remark: 'late' },
    ]);
    const retry = await client.friendImport(body('alice', [item('bob', { Remark: 'late' })]));
    assert.equal(retry.ErrorCode, 0, 'the abandoned call is no longer in flight: no 30008');
    const [slow] = h.emulator.calls();
    assert.equal(slow?.fault, 'slow:30000');
    assert.equal(slow?.aborted, true);
    assert.equal(h.emulator.stats().friendImport.overlaps, 0);
  });
});
