/** friend_import: the vendor's documented examples, every whole-request and per-item code path, every field rule. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FriendImportRequest } from '../../../im/index.js';
import { body, ids, item, raw, start, type Harness } from './support.js';

const examples = JSON.parse(
  readFileSync(new URL('../../fixtures/api-brief-examples.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const example = (name: string): FriendImportRequest => structuredClone(examples[name]) as FriendImportRequest;
const PATH = 'v4/sns/friend_import';

describe("emulator friend_import: the vendor's documented examples", () => {
  let h: Harness;
  before(async () => {
    h = await start({ accounts: ['id', 'id1', 'id2', ...ids('filler', 2999)], foreignAccounts: ['id3'] });
  });
  after(() => h.emulator.close());

  it('Basic form → the Basic response, byte for byte in shape', async () => {
    const r = await raw(h.emulator.baseUrl, PATH, JSON.stringify(example('request-basic')));
    assert.deepEqual(r.json, examples['response-basic']);
    assert.deepEqual(Object.keys(r.json ?? {}), [
      'ResultItem',
      'ActionStatus',
      'ErrorCode',
      'ErrorInfo',
      'ErrorDisplay',
    ]);
  });

  it('Complete form → the same response shape, every field stored as sent', async () => {
    const req = example('request-complete');
    const res = await h.client.friendImport(req);
    assert.deepEqual(res, examples['response-basic']);
    assert.deepEqual(h.emulator.friendsOf('id'), [{ From_Account: 'id', ...req.AddFriendItem[0] }]);
  });

  it('Batch form with a full list and a foreign account → the Batch response (30010, 30002, Invalid_Account)', async () => {
    // `id` holds 3,000 friends (id1 among them): id1 is overwritten, id2 would be friend 3,001.
    await h.client.friendImport(
      body(
        'id',
        ids('filler', 1000).map((to) => item(to)),
      ),
    );
    await h.client.friendImport(
      body(
        'id',
        ids('filler', 1000, 1000).map((to) => item(to)),
      ),
    );
    const third = await h.client.friendImport(
      body(
        'id',
        ids('filler', 999, 2000).map((to) => item(to)),
      ),
    );
    assert.equal(third.Fail_Account, undefined, 'no failure: no Fail_Account');
    assert.equal(h.emulator.friendsOf('id').length, 3000);
    const r = await raw(h.emulator.baseUrl, PATH, JSON.stringify(example('request-batch')));
    assert.deepEqual(r.json, examples['response-batch']);
    assert.equal(h.emulator.friendsOf('id').length, 3000);
  });
});

describe('emulator friend_import: whole-request failures', () => {
  let h: Harness;
  before(async () => {
    h = await start({ accounts: ['alice', 'bob', ...ids('f', 1001)], foreignAccounts: ['mallory'] });
  });
  after(() => h.emulator.close());

  const expectWhole = async (payload: unknown, code: number, info?: RegExp): Promise<void> => {
    const r = await raw(h.emulator.baseUrl, PATH, JSON.stringify(payload));
    assert.equal(r.json?.ErrorCode, code, `${JSON.stringify(payload).slice(0, 120)} → ${r.text}`);
    assert.equal(r.json?.ActionStatus, 'FAIL');
    assert.equal(r.json?.ErrorDisplay, '', 'sns APIs carry ErrorDisplay');
    assert.equal(r.json?.ResultItem, undefined, 'no per-item results');
    if (info) assert.match(String(r.json?.ErrorInfo), info);
  };

  it('30001 for a missing or invalid From_Account', async () => {
    await expectWhole({ AddFriendItem: [item('bob')] }, 30001, /From_Account/);
    await expectWhole({ From_Account: 7, AddFriendItem: [item('bob')] }, 30001, /From_Account/);
    await expectWhole({ From_Account: '', AddFriendItem: [item('bob')] }, 30001, /From_Account/);
    await expectWhole({ From_Account: 'x'.repeat(33), AddFriendItem: [item('bob')] }, 30001, /32 bytes/);
  });

  it('30001 for no items, more than 1,000 items, or AddFriendItem of the wrong type', async () => {
    await expectWhole({ From_Account: 'alice' }, 30001, /AddFriendItem/);
    await expectWhole(body('alice', []), 30001, /1–1000/);
    await expectWhole(
      body(
        'alice',
        ids('f', 1001).map((to) => item(to)),
      ),
      30001,
      /got 1001/,
    );
    await expectWhole({ From_Account: 'alice', AddFriendItem: 'bob' }, 30001, /array/);
    const ok = await h.client.friendImport(
      body(
        'alice',
        ids('f', 1000).map((to) => item(to)),
      ),
    );
    assert.equal(ok.ErrorCode, 0, 'exactly 1,000 items pass');
  });

  it('30001 for wrong types, missing required fields and unknown fields (nothing written)', async () => {
    const before = h.emulator.friendsOf('alice').length;
    await expectWhole(body('alice', [item('bob'), { ...item('f1'), Remark: 5 } as never]), 30001, /Remark/);
    await expectWhole(body('alice', [{ AddSource: 'AddSource_Type_X' } as never]), 30001, /To_Account/);
    await expectWhole(body('alice', [{ To_Account: 'bob' } as never]), 30001, /AddSource/);
    await expectWhole(body('alice', ['bob' as never]), 30001);
    await expectWhole(body('alice', [item('bob', { AddTime: 1.5 })]), 30001, /AddTime/);
    await expectWhole(body('alice', [item('bob', { GroupName: 'friends' as never })]), 30001, /GroupName/);
    await expectWhole(body('alice', [{ ...item('bob'), Remarks: 'typo' } as never]), 30001, /Remarks/);
    await expectWhole({ ...body('alice', [item('bob')]), Extra: 1 }, 30001, /Extra/);
    await expectWhole([body('alice', [item('bob')])], 30001);
    assert.equal(h.emulator.friendsOf('alice').length, before);
  });

  it('30003 when From_Account was never imported, 30002 when it belongs to another SDKAppID', async () => {
    await expectWhole(body('nobody', [item('bob')]), 30003, /nobody/);
    await expectWhole(body('mallory', [item('bob')]), 30002);
  });
});

describe('emulator friend_import: per-item results', () => {
  let h: Harness;
  before(async () => {
    h = await start({
      accounts: ['alice', 'bob', 'carol', 'dave', 'erin', ...ids('g', 40), ...ids('f', 10)],
      foreignAccounts: ['mallory', 'trent'],
      sensitiveWords: ['Forbidden'],
      maxFriends: 3000,
    });
  });
  after(() => h.emulator.close());

  it('a bad item fails alone with 30001 and a vendor-style ResultInfo; the others are written', async () => {
    const cases: [string, Partial<Parameters<typeof item>[1]>, string][] = [
      ['f0', { Remark: 'r'.repeat(97) }, 'Err_SNS_FriendImport_Remark_Too_Long'],
      ['f1', { AddSource: 'AddSource_Type_Toolongkw' }, 'Err_SNS_FriendImport_AddSource_Invalid'],
      ['f2', { AddWording: 'w'.repeat(257) }, 'Err_SNS_FriendImport_AddWording_Too_Long'],
      ['f3', { GroupName: ['g'.repeat(31)] }, 'Err_SNS_FriendImport_Group_Name_Invalid'],
      ['f4', { GroupName: ids('x', 33) }, 'Err_SNS_FriendImport_Group_Name_Invalid'],
      [
        'f5',
        { CustomItem: [{ Tag: 'Tag_SNS_Custom_Nine9', Value: 'v' }] },
        'Err_SNS_FriendImport_CustomItem_Invalid',
      ],
      [
        'f6',
        { CustomItem: [{ Tag: 'Tag_SNS_Custom_Ok', Value: 'v'.repeat(501) }] },
        'Err_SNS_FriendImport_CustomItem_Invalid',
      ],
    ];
    const items = [
      item('bob'),
      ...cases.map(([to, fields]) => item(to, fields)),
      item('alice'),
      item('x'.repeat(33)),
    ];
    const res = await h.client.friendImport(body('alice', items));
    assert.equal(res.ErrorCode, 0, 'partial failure is still ActionStatus OK');
    assert.deepEqual(res.ResultItem?.[0], { To_Account: 'bob', ResultCode: 0, ResultInfo: '' });
    cases.forEach(([to, , info], i) =>
      assert.deepEqual(res.ResultItem?.[i + 1], { To_Account: to, ResultCode: 30001, ResultInfo: info }, to),
    );
    assert.deepEqual(res.ResultItem?.at(-2), {
      To_Account: 'alice',
      ResultCode: 30001,
      ResultInfo: 'Err_SNS_FriendImport_Add_Self',
    });
    assert.equal(res.ResultItem?.at(-1)?.ResultInfo, 'Err_SNS_FriendImport_To_Account_Invalid');
    assert.deepEqual(res.Fail_Account, [...cases.map(([to]) => to), 'alice', 'x'.repeat(33)]);
    assert.deepEqual(
      h.emulator.friendsOf('alice').map((f) => f.To_Account),
      ['bob'],
    );
  });

  it('a To_Account repeated within one request fails every time it appears (30001)', async () => {
    const res = await h.client.friendImport(
      body('bob', [item('carol'), item('dave'), item('carol', { Remark: 'b' })]),
    );
    assert.deepEqual(
      res.ResultItem?.map((r) => [r.To_Account, r.ResultCode, r.ResultInfo]),
      [
        ['carol', 30001, 'Err_SNS_FriendImport_To_Account_Duplicate'],
        ['dave', 0, ''],
        ['carol', 30001, 'Err_SNS_FriendImport_To_Account_Duplicate'],
      ],
    );
    assert.deepEqual(res.Fail_Account, ['carol', 'carol']);
  });

  it('30002 for accounts of another SDKAppID (Invalid_Account, not Fail_Account), 30003 for accounts never imported', async () => {
    const res = await h.client.friendImport(
      body('carol', [item('mallory'), item('ghost'), item('dave'), item('trent')]),
    );
    assert.deepEqual(
      res.ResultItem?.map((r) => [r.To_Account, r.ResultCode, r.ResultInfo]),
      [
        ['mallory', 30002, 'Err_SNS_FriendImport_SdkAppId_Illegal'],
        ['ghost', 30003, 'Err_SNS_FriendImport_Account_Not_Exist'],
        ['dave', 0, ''],
        ['trent', 30002, 'Err_SNS_FriendImport_SdkAppId_Illegal'],
      ],
    );
    assert.deepEqual(res.Invalid_Account, ['mallory', 'trent']);
    assert.deepEqual(res.Fail_Account, ['ghost']);
  });

  it('30005 for sensitive words in any text field (case-insensitive)', async () => {
    const res = await h.client.friendImport(
      body('dave', [
        item('alice', { Remark: 'this is forbidden' }),
        item('bob', { AddWording: 'FORBIDDEN words' }),
        item('carol', { GroupName: ['ok', 'Forbidden club'] }),
        item('erin', { CustomItem: [{ Tag: 'Tag_SNS_Custom_Note', Value: 'forbidden' }] }),
        item('f0', { Remark: 'fine' }),
      ]),
    );
    assert.deepEqual(
      res.ResultItem?.map((r) => r.ResultCode),
      [30005, 30005, 30005, 30005, 0],
    );
    assert.equal(res.ResultItem?.[0]?.ResultInfo, 'Err_SNS_FriendImport_Dirty_Words');
  });

  it('30011 once a user would hold more than 32 distinct groups; reusing groups still works', async () => {
    const groups = ids('group', 32);
    const first = await h.client.friendImport(body('erin', [item('g0', { GroupName: groups })]));
    assert.equal(first.ResultItem?.[0]?.ResultCode, 0);
    const res = await h.client.friendImport(
      body('erin', [
        item('g1', { GroupName: ['group3', 'group9'] }),
        item('g2', { GroupName: ['group32'] }),
        item('g3'),
      ]),
    );
    assert.deepEqual(
      res.ResultItem?.map((r) => [r.To_Account, r.ResultCode, r.ResultInfo]),
      [
        ['g1', 0, ''],
        ['g2', 30011, 'Err_SNS_FriendImport_Group_Num_Exceed_Threshold'],
        ['g3', 0, ''],
      ],
    );
  });

  it('importing an existing friend overwrites its fields (and does not count twice)', async () => {
    await h.client.friendImport(
      body('f9', [item('alice', { Remark: 'old', GroupName: ['a'], AddWording: 'hi' })]),
    );
    const res = await h.client.friendImport(
      body('f9', [item('alice', { Remark: 'new', AddTime: 1_600_000_000 })]),
    );
    assert.equal(res.ResultItem?.[0]?.ResultCode, 0);
    assert.deepEqual(h.emulator.friendsOf('f9'), [
      {
        From_Account: 'f9',
        To_Account: 'alice',
        AddSource: 'AddSource_Type_Test',
        Remark: 'new',
        AddTime: 1_600_000_000,
      },
    ]);
  });

  it('counts per-item codes in the stats', () => {
    const fi = h.emulator.stats().friendImport;
    for (const code of ['0', '30001', '30002', '30003', '30005', '30011'])
      assert.ok((fi.itemCodes[code] ?? 0) > 0, `${code} in ${JSON.stringify(fi.itemCodes)}`);
    assert.equal(fi.itemsImported, fi.itemCodes['0']);
    assert.equal(
      fi.itemsFailed,
      Object.entries(fi.itemCodes)
        .filter(([c]) => c !== '0')
        .reduce((n, [, v]) => n + v, 0),
    );
  });
});

describe('emulator friend_import: the 3,000-friend limit', () => {
  let h: Harness;
  before(async () => {
    h = await start({ accounts: ['owner', ...ids('p', 3005)] });
  });
  after(() => h.emulator.close());

  it('items beyond 3,000 friends fail with 30010; overwriting a friend still works at the limit', async () => {
    for (let k = 0; k < 3; k++) {
      const res = await h.client.friendImport(
        body(
          'owner',
          ids('p', 1000, k * 1000).map((to) => item(to)),
        ),
      );
      assert.equal(res.Fail_Account, undefined);
    }
    const res = await h.client.friendImport(
      body('owner', [item('p3000'), item('p5', { Remark: 'still mine' }), item('p3001')]),
    );
    assert.deepEqual(
      res.ResultItem?.map((r) => [r.To_Account, r.ResultCode, r.ResultInfo]),
      [
        ['p3000', 30010, 'Err_SNS_FriendImport_My_Friend_Num_Exceed_Threshold'],
        ['p5', 0, ''],
        ['p3001', 30010, 'Err_SNS_FriendImport_My_Friend_Num_Exceed_Threshold'],
      ],
    );
    assert.deepEqual(res.Fail_Account, ['p3000', 'p3001']);
    const friends = h.emulator.friendsOf('owner');
    assert.equal(friends.length, 3000);
    assert.equal(friends.find((f) => f.To_Account === 'p5')?.Remark, 'still mine');
  });
});
