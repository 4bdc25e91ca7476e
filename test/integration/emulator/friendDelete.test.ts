/** friend_delete over real HTTP: one-way and both-way removal, the 1,000 cap, the rate, write conflicts, codes, auth. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAllFriends } from '../../../im/index.js';
import { warmBurst } from './rateBurst.js';
import { body, ids, item, raw, start, waitFor, type Harness } from './support.js';

const PATH = 'v4/sns/friend_delete';
const listOf = (h: Harness, from: string): string[] => h.emulator.friendsOf(from).map((f) => f.To_Account);

describe('emulator: friend_delete', () => {
  let h: Harness;
  before(async () => {
    h = await start({ accounts: ['alice', 'bob', 'carol', 'dave', 'erin', ...ids('f', 1000)] });
  });
  after(() => h.emulator.close());

  it('Delete_Type_Single (the default) removes the friends from the user’s list only', async () => {
    await h.client.friendImport(body('alice', [item('bob'), item('carol'), item('dave')]));
    await h.client.friendImport(body('bob', [item('alice')]));
    const before = await h.client.callOk('friendGet', { From_Account: 'alice', StartIndex: 0 });
    const res = await h.client.callOk('friendDelete', { From_Account: 'alice', To_Account: ['bob', 'dave'] });
    assert.deepEqual(res.ResultItem, [
      { To_Account: 'bob', ResultCode: 0, ResultInfo: '' },
      { To_Account: 'dave', ResultCode: 0, ResultInfo: '' },
    ]);
    assert.equal(res.Fail_Account, undefined);
    assert.deepEqual(listOf(h, 'alice'), ['carol']);
    assert.deepEqual(listOf(h, 'bob'), ['alice'], 'the reverse friend stays');
    const after = await h.client.callOk('friendGet', { From_Account: 'alice', StartIndex: 0 });
    assert.equal(after.FriendNum, 1);
    assert.notEqual(after.StandardSequence, before.StandardSequence);
    const check = await h.client.callOk('friendCheck', {
      From_Account: 'alice',
      To_Account: ['bob'],
      CheckType: 'CheckResult_Type_Single',
    });
    assert.equal(check.InfoItem?.[0]?.Relation, 'CheckResult_Type_NoRelation');
  });

  it('Delete_Type_Both also removes the user from each friend’s list', async () => {
    await h.client.friendImport(body('carol', [item('erin'), item('alice')]));
    await h.client.friendImport(body('erin', [item('carol')]));
    const res = await h.client.callOk('friendDelete', {
      From_Account: 'carol',
      To_Account: ['erin'],
      DeleteType: 'Delete_Type_Both',
    });
    assert.equal(res.ResultItem?.[0]?.ResultCode, 0);
    assert.deepEqual(listOf(h, 'carol'), ['alice']);
    assert.deepEqual(listOf(h, 'erin'), []);
    assert.deepEqual(
      (await getAllFriends(h.client, 'erin')).map((f) => f.toAccount),
      [],
    );
  });

  it('a To_Account that is not a friend gets 31704 (also when repeated after its removal); a bad UserID 30001', async () => {
    await h.client.friendImport(body('dave', [item('bob')]));
    const res = await h.client.callOk('friendDelete', {
      From_Account: 'dave',
      To_Account: ['carol', 'bob', 'bob', 'x'.repeat(33)],
    });
    assert.deepEqual(
      res.ResultItem?.map((r) => r.ResultCode),
      [31704, 0, 31704, 30001],
    );
    assert.deepEqual(res.Fail_Account, ['carol', 'bob', 'x'.repeat(33)]);
    assert.deepEqual(listOf(h, 'dave'), []);
  });

  it('whole-request codes: 1–1,000 accounts (30001), missing From_Account (30003), bad DeleteType (30001)', async () => {
    const tooMany = await h.client.call('friendDelete', {
      From_Account: 'alice',
      To_Account: ids('f', 1001),
    });
    assert.equal(tooMany.ErrorCode, 30001);
    assert.match(tooMany.ErrorInfo, /1–1000/);
    const none = await raw(
      h.emulator.baseUrl,
      PATH,
      JSON.stringify({ From_Account: 'alice', To_Account: [] }),
    );
    assert.equal(none.json?.ErrorCode, 30001);
    const thousand = await h.client.callOk('friendDelete', {
      From_Account: 'alice',
      To_Account: ids('f', 1000),
    });
    assert.equal(thousand.ResultItem?.length, 1000);
    assert.ok(thousand.ResultItem?.every((r) => r.ResultCode === 31704));
    assert.deepEqual(listOf(h, 'alice'), ['carol'], 'nothing else was removed');
    const ghost = await h.client.call('friendDelete', { From_Account: 'ghost', To_Account: ['bob'] });
    assert.equal(ghost.ErrorCode, 30003);
    const badType = await raw(
      h.emulator.baseUrl,
      PATH,
      JSON.stringify({ From_Account: 'alice', To_Account: ['carol'], DeleteType: 'Delete_Type_All' }),
    );
    assert.equal(badType.json?.ErrorCode, 30001);
    assert.deepEqual(listOf(h, 'alice'), ['carol']);
  });

  it('a bad UserSig is refused (70003) and removes nothing', async () => {
    const r = await raw(
      h.emulator.baseUrl,
      PATH,
      JSON.stringify({ From_Account: 'alice', To_Account: ['carol'] }),
      {
        userSig: 'not-a-usersig',
      },
    );
    assert.equal(r.json?.ErrorCode, 70003);
    assert.deepEqual(listOf(h, 'alice'), ['carol']);
  });
});

describe('emulator: friend_delete flags, rate and write conflicts', () => {
  let h: Harness;
  before(async () => {
    h = await start({
      accounts: ['alice', 'bob', 'carol'],
      writeLatencyMs: 1000,
      deleteNotFriendCode: 30001,
    });
  });
  after(() => h.emulator.close());

  it('deleteNotFriendCode 30001 answers 30001 for a To_Account that is not a friend', async () => {
    const res = await h.client.callOk('friendDelete', { From_Account: 'alice', To_Account: ['bob'] });
    assert.equal(res.ResultItem?.[0]?.ResultCode, 30001);
    assert.equal(res.ResultItem?.[0]?.ResultInfo, 'Err_SNS_FriendDelete_Not_Friend');
  });

  it('above 200 calls in a second the excess gets 60007', async () => {
    const answers = await warmBurst(
      230,
      (i) => h.client.call('friendDelete', { From_Account: `ghost${i}`, To_Account: ['bob'] }),
      () => h.emulator.resetStats(),
    );
    const codes = answers.map((a) => a.ErrorCode);
    const limited = codes.filter((c) => c === 60007).length;
    assert.equal(codes.filter((c) => c !== 60007 && c !== 30003).length, 0, JSON.stringify(codes));
    assert.ok(limited >= 1, 'some calls are refused');
    assert.ok(codes.length - limited >= 200, 'the first 200 are admitted');
    assert.ok((h.emulator.stats().maxInAnyWindowByRoute[PATH] ?? 0) > 200);
    await new Promise((r) => setTimeout(r, 1100));
  });

  it('a friend_delete while a friend_import for the same user is in flight gets 30008, and the other way round', async () => {
    h.emulator.resetStats();
    const importing = h.client.friendImport(body('alice', [item('bob'), item('carol')]));
    await waitFor(() => h.emulator.stats().friendImport.inFlight > 0, 'the import to be in flight');
    const during = await h.client.call('friendDelete', { From_Account: 'alice', To_Account: ['bob'] });
    assert.equal(during.ErrorCode, 30008);
    assert.equal((await importing).ErrorCode, 0);
    assert.deepEqual(listOf(h, 'alice'), ['bob', 'carol']);

    const deleting = h.client.call('friendDelete', { From_Account: 'alice', To_Account: ['bob'] });
    await new Promise((r) => setTimeout(r, 300));
    const blocked = await h.client.friendImport(body('alice', [item('bob')]));
    assert.equal(blocked.ErrorCode, 30008);
    const deleteAll = await h.client.call('friendDeleteAll', { From_Account: 'alice' });
    assert.equal(deleteAll.ErrorCode, 30008, 'friend_delete_all conflicts with it too');
    assert.equal((await deleting).ResultItem?.[0]?.ResultCode, 0);
    assert.deepEqual(listOf(h, 'alice'), ['carol']);
    const stats = h.emulator.stats();
    assert.equal(stats.overlapsByRoute[PATH], 1);
    assert.equal(stats.friendImport.overlaps, 1);
  });
});
