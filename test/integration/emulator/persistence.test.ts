/** State in SQLite: a restart on the same file keeps accounts, friends, groups and sequences. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { getAllFriends } from '../../../im/index.js';
import { startEmulator } from '../../../emulator/index.js';
import { APP, body, ids, item, start } from './support.js';

describe('emulator: state on a SQLite file', () => {
  let dir = '';
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('survives a restart: accounts, friends (fields, order, overwrites, partial writes), groups, sequences', async () => {
    dir = await mkdtemp(join(tmpdir(), 'emulator-db-'));
    const dbFile = join(dir, 'nested', 'state.sqlite');
    const first = await start({
      dbFile,
      accounts: ['alice', 'bob', ...ids('g', 3)],
      foreignAccounts: ['mallory'],
    });
    await first.client.callOk('accountImport', { UserID: 'carol' });
    await first.client.friendImport(
      body('alice', [item('bob', { Remark: 'v1' }), item('carol'), item('mallory')]),
    );
    await first.client.friendImport(
      body('alice', [item('bob', { Remark: 'v2', GroupName: ids('grp', 31) })]),
    );
    await first.client.friendImport(
      body('bob', [item('alice', { CustomItem: [{ Tag: 'Tag_SNS_Custom_K', Value: 7 }] })]),
    );
    await first.client.callOk('friendDeleteAll', { From_Account: 'g0' });
    const before = {
      alice: first.emulator.friendsOf('alice'),
      bob: first.emulator.friendsOf('bob'),
      get: await getAllFriends(first.client, 'alice'),
      seq: (await first.client.callOk('friendGet', { From_Account: 'alice', StartIndex: 0 }))
        .StandardSequence,
    };
    assert.deepEqual(
      before.alice.map((f) => [f.To_Account, f.Remark]),
      [
        ['bob', 'v2'],
        ['carol', undefined],
      ],
    );
    await first.emulator.close();

    const second = await start({ dbFile });
    try {
      assert.deepEqual(second.emulator.friendsOf('alice'), before.alice);
      assert.deepEqual(second.emulator.friendsOf('bob'), before.bob);
      assert.deepEqual(await getAllFriends(second.client, 'alice'), before.get);
      const page = await second.client.callOk('friendGet', { From_Account: 'alice', StartIndex: 0 });
      assert.equal(page.StandardSequence, before.seq);
      const check = await second.client.callOk('accountCheck', {
        CheckItem: [{ UserID: 'carol' }, { UserID: 'g2' }, { UserID: 'mallory' }],
      });
      assert.deepEqual(
        check.ResultItem?.map((r) => r.AccountStatus),
        ['Imported', 'Imported', 'NotImported'],
      );
      // Groups and the foreign label came back too: 31 groups + 2 new is over 32, mallory is still foreign.
      const res = await second.client.friendImport(
        body('alice', [item('g1', { GroupName: ['grp0', 'new1', 'new2'] }), item('mallory'), item('g2')]),
      );
      assert.deepEqual(
        res.ResultItem?.map((r) => r.ResultCode),
        [30011, 30002, 0],
      );
    } finally {
      await second.emulator.close();
    }
  });

  it('refuses a file that holds the state of another SDKAppID', async () => {
    const dbFile = join(dir, 'nested', 'state.sqlite');
    await assert.rejects(
      startEmulator({ sdkAppId: APP.sdkAppId + 1, adminIdentifiers: ['a'], secretKey: 'k', dbFile }),
      /holds the state of SDKAppID 1400000000/,
    );
  });
});
