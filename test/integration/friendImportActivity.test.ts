/**
 * The friendImport activity's classification (right retries) against the real emulator over HTTP, run inside
 * a real activity context (MockActivityEnvironment gives the Context; the HTTP and the service are real).
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createFriendImportActivity,
  type FriendImportAnswer,
} from '../../activities/friendImportActivity.js';
import { startEmulator, type Emulator } from '../../emulator/index.js';
import { ImClient } from '../../im/node/client.js';
import { LOCAL_IM_APP } from '../../config/im.js';
import { friendItem } from '../support/data.js';
import { localServiceHolder } from '../support/localCoordinator.js';

// Failed attempts are expected here; the environment would log each one at WARN.
const quiet = { logger: new DefaultLogger('ERROR') };
const env = (attempt = 1) => new MockActivityEnvironment({ attempt }, quiet);

describe('friendImport activity', { timeout: 60_000 }, () => {
  let emulator: Emulator;
  let renewals = 0;
  let im: ImClient;
  before(async () => {
    emulator = await startEmulator({
      sdkAppId: LOCAL_IM_APP.sdkAppId,
      adminIdentifiers: [LOCAL_IM_APP.adminIdentifier],
      secretKey: LOCAL_IM_APP.secretKey,
      rateLimit: 0,
      accounts: ['a', 'b'],
    });
    im = new ImClient({ ...LOCAL_IM_APP, baseUrl: emulator.baseUrl, onUserSigRenew: () => renewals++ });
  });
  after(async () => emulator?.close());

  const input = { fromAccount: 'a', items: [friendItem('b')] };
  const run = async (attempt: number, client = im): Promise<unknown> =>
    env(attempt)
      .run(createFriendImportActivity({ im: client, service: localServiceHolder() }), input)
      .catch((e: unknown) => e);
  const failure = (err: unknown): ApplicationFailure => {
    assert.ok(err instanceof ApplicationFailure, String(err));
    return err;
  };
  const plan = (code: number, attempts = 1) =>
    emulator.setFaults({ rules: [{ kind: 'failFirst', attempts, code, fromAccounts: ['a'] }] });

  it('returns the answer of a successful call with the attempt number', async () => {
    emulator.setFaults(undefined);
    const answer: FriendImportAnswer = await env(2).run(
      createFriendImportActivity({ im, service: localServiceHolder() }),
      input,
    );
    assert.deepEqual(answer.imported, ['b']);
    assert.equal(answer.attempt, 2);
  });

  it('transient codes and HTTP 5xx: retryable, with a type per cause', async () => {
    plan(30008);
    const f = failure(await run(1));
    assert.deepEqual([f.type, f.nonRetryable], ['IM_TRANSIENT_30008', false]);
    emulator.setFaults({ rules: [{ kind: 'http', status: 502, nth: [1] }] });
    assert.equal(failure(await run(1)).type, 'IM_TRANSIENT_-1502');
  });

  it('rate-limit codes back off with nextRetryDelay, at least 60 s for 70050', async () => {
    plan(60007);
    const f = failure(await run(1));
    assert.equal(f.type, 'IM_RATE_LIMITED_60007');
    assert.ok(Number(f.nextRetryDelay) >= 1000, String(f.nextRetryDelay));
    plan(70050);
    const g = failure(await run(1));
    assert.equal(g.type, 'IM_RATE_LIMITED_70050');
    assert.ok(Number(g.nextRetryDelay) >= 60_000, String(g.nextRetryDelay));
  });

  it('auth codes renew the UserSig and retry; if they persist it is a configuration error', async () => {
    plan(70001);
    const before = renewals;
    const f = failure(await run(1));
    assert.deepEqual([f.type, f.nonRetryable], ['IM_AUTH_70001', false]);
    const retried = (await run(2)) as { imported: string[] };
    assert.deepEqual(retried.imported, ['b'], 'the retry with a fresh UserSig succeeds');
    assert.equal(renewals - before, 1, 'a fresh UserSig was generated');
    plan(70001, 5);
    const g = failure(await run(3));
    assert.deepEqual([g.type, g.nonRetryable], ['IM_CONFIG_70001', true]);
    assert.match(g.message, /IM_SECRET_KEY/);
  });

  it('permanent codes are non-retryable; configuration codes say what to fix', async () => {
    emulator.setFaults(undefined);
    const p = failure(
      await env()
        .run(createFriendImportActivity({ im, service: localServiceHolder() }), {
          fromAccount: 'ghost',
          items: [friendItem('b')],
        })
        .catch((e: unknown) => e),
    );
    assert.deepEqual([p.type, p.nonRetryable], ['IM_PERMANENT_30003', true]);
    const wrongKey = new ImClient({ ...LOCAL_IM_APP, secretKey: 'wrong', baseUrl: emulator.baseUrl });
    const c = failure(await run(1, wrongKey));
    assert.deepEqual([c.type, c.nonRetryable], ['IM_CONFIG_70009', true]);
    assert.match(c.message, /set IM_SECRET_KEY/);
    const notAdmin = new ImClient({ ...LOCAL_IM_APP, adminIdentifier: 'someone', baseUrl: emulator.baseUrl });
    const d = failure(await run(1, notAdmin));
    assert.deepEqual([d.type, d.nonRetryable], ['IM_CONFIG_60010', true]);
    assert.match(d.message, /IM_ADMIN_IDENTIFIER/);
  });
});
