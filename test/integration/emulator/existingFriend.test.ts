/**
 * What friend_import does with an item whose To_Account is already a friend: `overwrite` (the
 * default) replaces the stored friend; `refuse` answers per-item 30001 and keeps it, the answer an
 * importer must be ready for when a re-sent item was written by an attempt it never heard back from.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { spawnEmulator } from '../../support/remoteEmulator.js';
import { body, clientFor, getJson, item, start, waitFor, type Harness } from './support.js';

const ALREADY = 'Err_SNS_FriendImport_Already_Friend';

describe('emulator: an existing friend is overwritten by default', () => {
  let h: Harness;
  before(async () => {
    h = await start({ accounts: ['alice', 'bob'] });
  });
  after(() => h.emulator.close());

  it('overwrite: the new item replaces every stored field and answers 0', async () => {
    const health = await getJson<{ existingFriend: string }>(h.emulator.baseUrl, '__emulator/health');
    assert.equal(health.body.existingFriend, 'overwrite');
    await h.client.friendImport(body('alice', [item('bob', { Remark: 'old', GroupName: ['a'] })]));
    const res = await h.client.friendImport(body('alice', [item('bob', { Remark: 'new' })]));
    assert.deepEqual(res.ResultItem, [{ To_Account: 'bob', ResultCode: 0, ResultInfo: '' }]);
    assert.equal(res.Fail_Account, undefined);
    const stored = h.emulator.friendsOf('alice');
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.Remark, 'new');
    assert.equal(stored[0]?.GroupName, undefined, 'omitted fields become absent');
  });
});

describe('emulator: existingFriend refuse', () => {
  let h: Harness;
  before(async () => {
    h = await start({ accounts: ['alice', 'bob', 'carol', 'dave'], existingFriend: 'refuse' });
  });
  after(() => h.emulator.close());

  it('refuse: per-item 30001 Already_Friend in Fail_Account; the stored friend is unchanged, the others are written', async () => {
    const first = await h.client.friendImport(
      body('alice', [item('bob', { Remark: 'old', GroupName: ['a'] })]),
    );
    assert.equal(first.ResultItem?.[0]?.ResultCode, 0);
    const standardBefore = (await h.client.callOk('friendGet', { From_Account: 'alice', StartIndex: 0 }))
      .StandardSequence;

    const res = await h.client.friendImport(body('alice', [item('bob', { Remark: 'new' }), item('carol')]));
    assert.equal(res.ErrorCode, 0, 'a per-item failure leaves the request OK');
    assert.deepEqual(
      res.ResultItem?.map((r) => [r.To_Account, r.ResultCode, r.ResultInfo]),
      [
        ['bob', 30001, ALREADY],
        ['carol', 0, ''],
      ],
    );
    assert.deepEqual(res.Fail_Account, ['bob']);
    assert.equal(res.Invalid_Account, undefined);

    const stored = h.emulator.friendsOf('alice');
    assert.deepEqual(
      stored.map((f) => [f.To_Account, f.Remark, f.GroupName]),
      [
        ['bob', 'old', ['a']],
        ['carol', undefined, undefined],
      ],
    );
    const listed = await h.client.callOk('friendGet', { From_Account: 'alice', StartIndex: 0 });
    const bob = listed.UserDataItem?.find((f) => f.To_Account === 'bob');
    assert.ok(bob?.ValueItem.some((v) => v.Tag === 'Tag_SNS_IM_Remark' && v.Value === 'old'));
    assert.notEqual(listed.StandardSequence, standardBefore, 'carol was written');
    assert.equal(h.emulator.stats().friendImport.itemCodes['30001'], 1);

    const onlyExisting = await h.client.friendImport(body('alice', [item('bob', { Remark: 'again' })]));
    assert.deepEqual(onlyExisting.Fail_Account, ['bob']);
    const after = await h.client.callOk('friendGet', { From_Account: 'alice', StartIndex: 0 });
    assert.equal(after.StandardSequence, listed.StandardSequence, 'nothing written, the list did not change');
  });

  it('refuse: a retry of a write that landed after the client gave up is refused, and friend_check confirms the friend', async () => {
    h.emulator.setFaults({ rules: [{ kind: 'slow', nth: [1], delayMs: 2_000 }] });
    try {
      await assert.rejects(
        h.client.friendImport(body('dave', [item('bob', { Remark: 'first try' })]), {
          signal: AbortSignal.timeout(150),
        }),
      );
      await waitFor(() => h.emulator.stats().friendImport.inFlight === 0, 'the abandoned call to end');
      assert.equal(h.emulator.friendsOf('dave')[0]?.Remark, 'first try', 'the write landed');

      const retry = await h.client.friendImport(body('dave', [item('bob', { Remark: 'first try' })]));
      assert.deepEqual(retry.ResultItem, [{ To_Account: 'bob', ResultCode: 30001, ResultInfo: ALREADY }]);
      assert.deepEqual(retry.Fail_Account, ['bob']);
      const check = await h.client.callOk('friendCheck', {
        From_Account: 'dave',
        To_Account: ['bob'],
        CheckType: 'CheckResult_Type_Single',
      });
      assert.equal(check.InfoItem?.[0]?.Relation, 'CheckResult_Type_AWithB');
    } finally {
      h.emulator.setFaults(undefined);
    }
  });

  it('refuse: earlier checks come first (duplicates, unknown accounts); after friend_delete_all the friend can be imported again', async () => {
    const res = await h.client.friendImport(body('alice', [item('bob'), item('bob'), item('ghost')]));
    assert.deepEqual(
      res.ResultItem?.map((r) => [r.To_Account, r.ResultCode, r.ResultInfo]),
      [
        ['bob', 30001, 'Err_SNS_FriendImport_To_Account_Duplicate'],
        ['bob', 30001, 'Err_SNS_FriendImport_To_Account_Duplicate'],
        ['ghost', 30003, 'Err_SNS_FriendImport_Account_Not_Exist'],
      ],
    );
    await h.client.callOk('friendDeleteAll', { From_Account: 'alice' });
    const again = await h.client.friendImport(body('alice', [item('bob', { Remark: 'fresh' })]));
    assert.deepEqual(again.ResultItem, [{ To_Account: 'bob', ResultCode: 0, ResultInfo: '' }]);
    assert.equal(h.emulator.friendsOf('alice')[0]?.Remark, 'fresh');
  });

  it('startEmulator refuses a mode it does not know', async () => {
    await assert.rejects(
      start({ existingFriend: 'ignore' as never }),
      /existingFriend must be one of overwrite, refuse/,
    );
  });
});

describe('friend-import emulator --existing-friend refuse (child process)', { timeout: 60_000 }, () => {
  it('refuse through the CLI flag (spawnEmulator existingFriend)', async () => {
    const remote = await spawnEmulator({ accounts: ['alice', 'bob'], existingFriend: 'refuse' });
    try {
      const health = await getJson<{ existingFriend: string }>(remote.baseUrl, '__emulator/health');
      assert.equal(health.body.existingFriend, 'refuse');
      const client = clientFor(remote.baseUrl);
      assert.equal((await client.friendImport(body('alice', [item('bob')]))).ResultItem?.[0]?.ResultCode, 0);
      const again = await client.friendImport(body('alice', [item('bob')]));
      assert.deepEqual(again.ResultItem, [{ To_Account: 'bob', ResultCode: 30001, ResultInfo: ALREADY }]);
      assert.deepEqual(again.Fail_Account, ['bob']);
    } finally {
      await remote.stop();
    }
  });
});
