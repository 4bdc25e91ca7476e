/** friend_update over real HTTP: state changes, the item cap, the rate, write conflicts, per-item codes, auth. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { genUserSig, getAllFriends, type FriendUpdateResponse } from '../../../im/index.js';
import { warmBurst } from './rateBurst.js';
import { APP, body, ids, item, raw, start, waitFor, type Harness } from './support.js';

const PATH = 'v4/sns/friend_update';
const remark = (to: string, value: string) => ({
  To_Account: to,
  SnsItem: [{ Tag: 'Tag_SNS_IM_Remark' as const, Value: value }],
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('emulator: friend_update', () => {
  let h: Harness;
  before(async () => {
    h = await start({
      accounts: ['alice', 'bob', 'carol', ...ids('f', 110)],
      customTags: ['Tag_SNS_Custom_Level'],
    });
  });
  after(() => h.emulator.close());

  it('sets the remark, replaces the group list and sets custom fields; other fields and AddTime stay', async () => {
    const imported = await h.client.friendImport(
      body('alice', [
        item('bob', {
          Remark: 'old',
          GroupName: ['g1'],
          AddWording: 'hi',
          AddTime: 1_600_000_000,
          CustomItem: [{ Tag: 'Tag_SNS_Custom_Level', Value: '1' }],
        }),
        item('carol', { Remark: 'keep' }),
      ]),
    );
    assert.equal(imported.ErrorCode, 0);
    const res = await h.client.callOk('friendUpdate', {
      From_Account: 'alice',
      UpdateItem: [
        {
          To_Account: 'bob',
          SnsItem: [
            { Tag: 'Tag_SNS_IM_Remark', Value: 'new' },
            { Tag: 'Tag_SNS_IM_Group', Value: ['g2', 'g3'] },
            { Tag: 'Tag_SNS_Custom_Level', Value: '2' },
          ],
        },
      ],
    });
    assert.deepEqual(res.ResultItem, [{ To_Account: 'bob', ResultCode: 0, ResultInfo: '' }]);
    assert.equal(res.Fail_Account, undefined);
    const bob = h.emulator.friendsOf('alice').find((f) => f.To_Account === 'bob');
    assert.equal(bob?.Remark, 'new');
    assert.deepEqual(bob?.GroupName, ['g2', 'g3']);
    assert.deepEqual(bob?.CustomItem, [{ Tag: 'Tag_SNS_Custom_Level', Value: '2' }]);
    assert.equal(bob?.AddWording, 'hi');
    const viaGet = await getAllFriends(h.client, 'alice');
    assert.deepEqual(
      viaGet.map((f) => f.toAccount),
      ['bob', 'carol'],
      'the list keeps its order',
    );
    assert.equal(viaGet[0]?.values.Tag_SNS_IM_AddTime, 1_600_000_000);
    assert.deepEqual(viaGet[0]?.values.Tag_SNS_IM_Group, ['g2', 'g3']);
    assert.equal(viaGet[1]?.values.Tag_SNS_IM_Remark, 'keep');
  });

  it('a To_Account that is not a friend, an unconfigured custom tag, a too-long remark: per-item 30001; the rest apply', async () => {
    const res = await h.client.callOk('friendUpdate', {
      From_Account: 'alice',
      UpdateItem: [
        remark('f1', 'x'),
        { To_Account: 'bob', SnsItem: [{ Tag: 'Tag_SNS_Custom_Other', Value: 'v' }] },
        remark('carol', 'r'.repeat(97)),
        remark('carol', 'changed'),
      ],
    });
    assert.deepEqual(
      res.ResultItem?.map((r) => [r.To_Account, r.ResultCode]),
      [
        ['f1', 30001],
        ['bob', 30001],
        ['carol', 30001],
        ['carol', 0],
      ],
    );
    assert.deepEqual(res.Fail_Account, ['f1', 'bob', 'carol']);
    assert.equal(res.ResultItem?.[0]?.ResultInfo, 'Err_SNS_FriendUpdate_Not_Friend');
    const friends = h.emulator.friendsOf('alice');
    assert.equal(friends.find((f) => f.To_Account === 'carol')?.Remark, 'changed');
    assert.deepEqual(friends.find((f) => f.To_Account === 'bob')?.CustomItem, [
      { Tag: 'Tag_SNS_Custom_Level', Value: '2' },
    ]);
    assert.equal(
      friends.some((f) => f.To_Account === 'f1'),
      false,
      'an update never adds a friend',
    );
  });

  it('whole-request codes: 1–100 items (30001), unknown tag (30001), From_Account missing (30003)', async () => {
    const tooMany = await h.client.call('friendUpdate', {
      From_Account: 'alice',
      UpdateItem: ids('f', 101).map((to) => remark(to, 'x')),
    });
    assert.equal(tooMany.ErrorCode, 30001);
    assert.match(tooMany.ErrorInfo, /1–100/);
    const hundred = await h.client.callOk('friendUpdate', {
      From_Account: 'alice',
      UpdateItem: ids('f', 100).map((to) => remark(to, 'x')),
    });
    assert.equal(hundred.ResultItem?.length, 100);
    const badTag = await raw(
      h.emulator.baseUrl,
      PATH,
      JSON.stringify({
        From_Account: 'alice',
        UpdateItem: [{ To_Account: 'bob', SnsItem: [{ Tag: 'Tag_SNS_IM_AddSource', Value: 'x' }] }],
      }),
    );
    assert.equal(badTag.json?.ErrorCode, 30001);
    assert.equal(badTag.json?.ActionStatus, 'FAIL');
    const ghost = await h.client.call('friendUpdate', {
      From_Account: 'ghost',
      UpdateItem: [remark('bob', 'x')],
    });
    assert.equal(ghost.ErrorCode, 30003);
  });

  it('a bad UserSig is refused (70003) and changes nothing', async () => {
    const r = await raw(
      h.emulator.baseUrl,
      PATH,
      JSON.stringify({ From_Account: 'alice', UpdateItem: [remark('carol', 'hacked')] }),
      {
        userSig: 'not-a-usersig',
      },
    );
    assert.equal(r.json?.ErrorCode, 70003);
    const other = genUserSig('another-apps-key', {
      ...APP,
      identifier: APP.adminIdentifier,
      expireSeconds: 60,
    });
    const r2 = await raw(
      h.emulator.baseUrl,
      PATH,
      JSON.stringify({ From_Account: 'alice', UpdateItem: [remark('carol', 'hacked')] }),
      {
        userSig: other,
      },
    );
    assert.equal(r2.json?.ErrorCode, 70009);
    assert.equal(h.emulator.friendsOf('alice').find((f) => f.To_Account === 'carol')?.Remark, 'changed');
  });
});

describe('emulator: friend_update rate and write conflicts', () => {
  let h: Harness;
  before(async () => {
    h = await start({ accounts: ['alice', 'bob', 'dave', 'erin'], writeLatencyMs: 1000, maxUpdateItems: 3 });
  });
  after(() => h.emulator.close());

  it('the maxUpdateItems flag sets the cap', async () => {
    const res = await h.client.call('friendUpdate', {
      From_Account: 'alice',
      UpdateItem: ids('x', 4).map((to) => remark(to, 'x')),
    });
    assert.equal(res.ErrorCode, 30001);
    assert.match(res.ErrorInfo, /1–3/);
  });

  it('above 200 calls in a second the excess gets 60007; the stats show the max per second', async () => {
    const answers = await warmBurst(
      230,
      (i) => h.client.call('friendUpdate', { From_Account: `ghost${i}`, UpdateItem: [remark('bob', 'x')] }),
      () => h.emulator.resetStats(),
    );
    const stats = h.emulator.stats();
    const codes = answers.map((a: FriendUpdateResponse) => a.ErrorCode);
    const limited = codes.filter((c) => c === 60007).length;
    assert.equal(codes.filter((c) => c !== 60007 && c !== 30003).length, 0, JSON.stringify(codes));
    assert.ok(limited >= 1, 'some calls are refused');
    assert.ok(codes.length - limited >= 200, 'the first 200 are admitted');
    assert.ok((stats.maxInAnyWindowByRoute[PATH] ?? 0) > 200);
    assert.match(answers.find((a) => a.ErrorCode === 60007)?.ErrorInfo ?? '', /at most 200 friend_update/);
    await sleep(1100);
  });

  it('overlaps with a friend_import for the same user both ways: the later write gets 30008', async () => {
    h.emulator.resetStats();
    const importing = h.client.friendImport(body('alice', [item('bob')]));
    await waitFor(() => h.emulator.stats().friendImport.inFlight > 0, 'the import to be in flight');
    const during = await h.client.call('friendUpdate', {
      From_Account: 'alice',
      UpdateItem: [remark('bob', 'x')],
    });
    assert.equal(during.ErrorCode, 30008);
    assert.equal((await importing).ErrorCode, 0);

    const other = await h.client.friendImport(body('dave', [item('erin')]));
    assert.equal(other.ErrorCode, 0);
    const updating = h.client.call('friendUpdate', {
      From_Account: 'dave',
      UpdateItem: [remark('erin', 'x')],
    });
    await sleep(300);
    const blocked = await h.client.friendImport(body('dave', [item('alice')]));
    assert.equal(blocked.ErrorCode, 30008);
    const elsewhere = await h.client.call('friendUpdate', {
      From_Account: 'alice',
      UpdateItem: [remark('bob', 'y')],
    });
    assert.equal(elsewhere.ErrorCode, 0, 'another user is not blocked');
    assert.equal((await updating).ResultItem?.[0]?.ResultCode, 0);
    const stats = h.emulator.stats();
    assert.equal(stats.overlapsByRoute[PATH], 1);
    assert.equal(stats.friendImport.overlaps, 1);
    assert.equal(h.emulator.friendsOf('dave').find((f) => f.To_Account === 'erin')?.Remark, 'x');
  });
});

describe('emulator: friend_update and friend_delete on disk', () => {
  it('survive a restart: fields, import time and removals replay from the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emulator-writes-'));
    try {
      const dbFile = join(dir, 'state.db');
      const first = await start({ dbFile, accounts: ['alice', 'bob', 'carol'] });
      await first.client.friendImport(
        body('alice', [item('bob', { AddTime: 1_500_000_000 }), item('carol')]),
      );
      await first.client.callOk('friendUpdate', {
        From_Account: 'alice',
        UpdateItem: [
          {
            To_Account: 'bob',
            SnsItem: [
              { Tag: 'Tag_SNS_IM_Group', Value: ['g'] },
              { Tag: 'Tag_SNS_Custom_Level', Value: 'x' },
            ],
          },
        ],
      });
      await first.client.callOk('friendDelete', { From_Account: 'alice', To_Account: ['carol'] });
      const seen = await getAllFriends(first.client, 'alice');
      await first.emulator.close();
      const second = await start({ dbFile });
      try {
        assert.deepEqual(await getAllFriends(second.client, 'alice'), seen);
        assert.deepEqual(second.emulator.friendsOf('alice'), [
          {
            From_Account: 'alice',
            To_Account: 'bob',
            AddSource: 'AddSource_Type_Test',
            AddTime: 1_500_000_000,
            GroupName: ['g'],
            CustomItem: [{ Tag: 'Tag_SNS_Custom_Level', Value: 'x' }],
          },
        ]);
        const get = await second.client.callOk('friendGet', { From_Account: 'alice', StartIndex: 0 });
        assert.ok((get.CustomSequence ?? 0) > 0, 'a custom field write moves CustomSequence');
      } finally {
        await second.emulator.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
