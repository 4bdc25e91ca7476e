import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkFriendImportBody, checkFriendItem, utf8Length, type AddFriendItem } from '../../../im/index.js';
import { jsonByteBound, jsonByteLength } from '../../../im/utf8.js';

const base: AddFriendItem = { To_Account: 'bob', AddSource: 'AddSource_Type_Web' };

function violationsOf(item: unknown, from = 'alice'): { path: string; reason: string }[] {
  const r = checkFriendItem(item, from);
  return r.ok ? [] : r.violations;
}

/** Asserts `at` passes and `over` fails with a violation on `path`. */
function bound(field: string, at: Partial<AddFriendItem>, over: Partial<AddFriendItem>, path = field): void {
  assert.deepEqual(violationsOf({ ...base, ...at }), [], `${field} at the bound must pass`);
  const v = violationsOf({ ...base, ...over });
  assert.equal(v.length, 1, `${field} over the bound: ${JSON.stringify(v)}`);
  assert.equal(v[0]!.path, path);
  assert.match(v[0]!.reason, /\d/);
}

// A 3-byte character, to prove that limits count UTF-8 bytes, not characters.
const han = '\u4e2d';

describe('field limits (validated input)', () => {
  it('counts UTF-8 bytes', () => {
    assert.equal(utf8Length('abc'), 3);
    assert.equal(utf8Length('\u00e9'), 2);
    assert.equal(utf8Length(han), 3);
    assert.equal(utf8Length('\u{1F600}'), 4);
  });

  it('To_Account: 32 bytes pass, 33 fail (also in multi-byte characters)', () => {
    bound('To_Account', { To_Account: 'x'.repeat(32) }, { To_Account: 'x'.repeat(33) });
    bound('To_Account', { To_Account: han.repeat(10) + 'xx' }, { To_Account: han.repeat(11) });
  });

  it('To_Account must not be empty, hold control characters, or equal From_Account', () => {
    assert.match(violationsOf({ ...base, To_Account: '' })[0]!.reason, /empty/);
    assert.match(violationsOf({ ...base, To_Account: 'a\nb' })[0]!.reason, /control/);
    const self = violationsOf({ ...base, To_Account: 'alice' });
    assert.equal(self[0]!.path, 'To_Account');
    assert.match(self[0]!.reason, /own friend/);
  });

  it('Remark: 96 bytes pass, 97 fail', () => {
    bound('Remark', { Remark: 'r'.repeat(96) }, { Remark: 'r'.repeat(97) });
    bound('Remark', { Remark: han.repeat(32) }, { Remark: han.repeat(32) + 'r' });
  });

  it('AddWording: 256 bytes pass, 257 fail', () => {
    bound('AddWording', { AddWording: 'w'.repeat(256) }, { AddWording: 'w'.repeat(257) });
  });

  it('GroupName: names of 30 bytes pass, 31 fail; 32 groups pass, 33 fail; empty names fail', () => {
    bound(
      'GroupName',
      { GroupName: ['g'.repeat(30)] },
      { GroupName: ['ok', 'g'.repeat(31)] },
      'GroupName[1]',
    );
    bound(
      'GroupName',
      { GroupName: [han.repeat(10)] },
      { GroupName: [han.repeat(10) + 'g'] },
      'GroupName[0]',
    );
    const groups = (n: number): string[] => Array.from({ length: n }, (_, i) => `g${i}`);
    bound('GroupName', { GroupName: groups(32) }, { GroupName: groups(33) });
    assert.equal(violationsOf({ ...base, GroupName: [''] })[0]!.path, 'GroupName[0]');
  });

  it('AddSource: "AddSource_Type_" + 1–8 letters', () => {
    bound('AddSource', { AddSource: 'AddSource_Type_ABCDEFGH' }, { AddSource: 'AddSource_Type_ABCDEFGHI' });
    for (const bad of [
      'AddSource_Type_',
      'AddSource_Type_Web1',
      'addsource_type_Web',
      'Web',
      'AddSource_Type_W-b',
    ])
      assert.equal(violationsOf({ ...base, AddSource: bad })[0]?.path, 'AddSource', bad);
  });

  it('custom tags: "Tag_SNS_Custom_" + 1–8 letters, values up to 500 bytes, no repeated tag', () => {
    const tag = (t: string, v: string | number = 'x') => ({ CustomItem: [{ Tag: t, Value: v }] });
    bound('CustomItem', tag('Tag_SNS_Custom_ABCDEFGH'), tag('Tag_SNS_Custom_ABCDEFGHI'), 'CustomItem[0].Tag');
    assert.equal(violationsOf({ ...base, ...tag('Tag_SNS_IM_Remark') })[0]?.path, 'CustomItem[0].Tag');
    bound(
      'CustomItem',
      tag('Tag_SNS_Custom_A', 'v'.repeat(500)),
      tag('Tag_SNS_Custom_A', 'v'.repeat(501)),
      'CustomItem[0].Value',
    );
    const twice = {
      CustomItem: [
        { Tag: 'Tag_SNS_Custom_A', Value: 1 },
        { Tag: 'Tag_SNS_Custom_A', Value: 2 },
      ],
    };
    assert.match(violationsOf({ ...base, ...twice })[0]!.reason, /repeats/);
  });

  it('reports every violation of an item at once', () => {
    const v = violationsOf({
      To_Account: 'alice',
      AddSource: 'nope',
      Remark: 'r'.repeat(100),
      AddWording: 'w'.repeat(300),
    });
    assert.deepEqual(v.map((x) => x.path).sort(), ['AddSource', 'AddWording', 'Remark', 'To_Account']);
  });

  it('names missing, mistyped and unknown fields', () => {
    assert.deepEqual(violationsOf({ To_Account: 'bob' }), [{ path: 'AddSource', reason: 'is required' }]);
    assert.deepEqual(violationsOf({ ...base, AddTime: '2020' }), [
      { path: 'AddTime', reason: 'must be a number' },
    ]);
    assert.deepEqual(violationsOf({ ...base, AddTime: 1.5 }), [
      { path: 'AddTime', reason: 'must be an integer' },
    ]);
    assert.deepEqual(violationsOf({ ...base, Remarks: 'typo' }), [
      { path: '(item)', reason: 'has unknown field(s): Remarks' },
    ]);
    assert.equal(violationsOf('just a string')[0]!.path, '(item)');
  });
});

describe('checkFriendImportBody', () => {
  it('judges each item alone and names its index', () => {
    const r = checkFriendImportBody({
      From_Account: 'alice',
      AddFriendItem: [
        base,
        { ...base, To_Account: 'carol', Remark: 'r'.repeat(97) },
        { ...base, To_Account: 'dave' },
      ],
    });
    assert.deepEqual(r.bodyViolations, []);
    assert.deepEqual(
      r.items.map((i) => i.ok),
      [true, false, true],
    );
    const bad = r.items[1]!;
    assert.ok(!bad.ok);
    assert.equal(bad.violations[0]!.path, 'AddFriendItem[1].Remark');
  });

  it('reports body-level problems', () => {
    assert.equal(checkFriendImportBody([]).bodyViolations[0]!.path, '(body)');
    const r = checkFriendImportBody({ From_Account: 'x'.repeat(33), AddFriendItem: 'no', Extra: 1 });
    assert.deepEqual(r.bodyViolations.map((v) => v.path).sort(), ['(body)', 'AddFriendItem', 'From_Account']);
    assert.equal(r.fromAccount, undefined);
  });
});

describe('jsonByteLength', () => {
  it('equals the UTF-8 length of JSON.stringify for plain data, escapes and surrogates included', () => {
    const samples: unknown[] = [
      { To_Account: 'a', AddSource: 'AddSource_Type_X', Remark: 'é"\\\n\u0001', GroupName: ['g1', '中文'] },
      { AddTime: 1_700_000_000, CustomItem: [{ Tag: 'Tag_SNS_Custom_A', Value: -12 }], skipped: undefined },
      '😀',
      '\u2028',
      '\ud800x',
      'x\udc00',
      '\u007f\u0080\u07ff\u0800\uffff\u001f\u0008\t',
      '\udbff\udfff\udc00\ud800',
      1.5,
      1e21,
      [1, [2, null, true]],
      {},
      [],
    ];
    for (const s of samples)
      assert.equal(jsonByteLength(s), Buffer.byteLength(JSON.stringify(s)), JSON.stringify(s));
  });

  it('is never above jsonByteBound, whatever the characters and numbers', () => {
    const samples: unknown[] = [
      { To_Account: '\u0001"\\', Remark: '\ud800', GroupName: ['😀', '\u2028'], AddTime: 0 },
      [-0.0000012345678901234567, -1.2345678901234568e-300, -123456789012345680000, -Number.MAX_VALUE],
      { k: [null, true, false, [], {}], '\u0000"': 'x', skipped: undefined },
      '',
    ];
    for (const v of samples)
      assert.ok(jsonByteBound(v) >= Buffer.byteLength(JSON.stringify(v)), JSON.stringify(v));
  });

  it('agrees with JSON.stringify on 2,000 seeded strings of any UTF-16 units', () => {
    let seed = 20_261_201;
    const next = (n: number): number => (seed = (seed * 1_103_515_245 + 12_345) >>> 0) % n;
    // Mostly ASCII, with control characters, 2- and 3-byte characters and surrogates, paired or not.
    const pools = [0x80, 0x20, 0x800, 0x10000, 0x800];
    const bases = [0, 0, 0x80, 0, 0xd800];
    for (let k = 0; k < 2_000; k++) {
      let s = '';
      for (let i = next(12); i > 0; i--) {
        const p = next(pools.length);
        s += String.fromCharCode(bases[p]! + next(pools[p]!));
      }
      assert.equal(jsonByteLength({ s }), Buffer.byteLength(JSON.stringify({ s })), JSON.stringify(s));
      assert.ok(jsonByteBound({ s }) >= jsonByteLength({ s }), JSON.stringify(s));
    }
  });
});
