/**
 * The kinds of bad JSONL rows the bad-input suite mixes into its file (badInput.ts): bad items
 * (each field limit exceeded by exactly one, wrong types, unknown fields) and lines that hold no
 * usable record (broken JSON, empty lines, invalid UTF-8 …), each with the reason the report must
 * give.
 */
import { LIMITS } from '../../im/limits.js';

export const x = (n: number, ch = 'x') => ch.repeat(n);
/** n bytes of UTF-8 made of 3-byte characters, plus ASCII to reach exactly n. */
export const wide = (n: number) => '中'.repeat(Math.floor(n / 3)) + x(n % 3);
export const item = (to: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  To_Account: to,
  AddSource: 'AddSource_Type_Bad',
  ...extra,
});

/** One bad item kind: the item (or a change to the body) and the reason the report must give. */
interface ItemKind {
  kind: string;
  make: (k: number, from: string) => { item?: unknown; body?: Record<string, unknown> };
  reason: RegExp;
  /** Whole line rejected (no To_Account in the row). */
  lineLevel?: boolean;
}

const L = LIMITS;
export const ITEM_KINDS: ItemKind[] = [
  {
    kind: 'To_Account wrong type',
    make: () => ({ item: item('', { To_Account: 42 }) }),
    reason: /To_Account must be a string/,
  },
  {
    kind: 'To_Account missing',
    make: () => ({ item: { AddSource: 'AddSource_Type_Bad' } }),
    reason: /To_Account is required/,
  },
  { kind: 'To_Account empty', make: () => ({ item: item('') }), reason: /To_Account must not be empty/ },
  {
    kind: 'To_Account bound+1',
    make: (k) => ({ item: item(`t${k}${x(L.userIdMaxBytes)}`.slice(0, L.userIdMaxBytes + 1)) }),
    reason: /To_Account is 33 bytes/,
  },
  {
    kind: 'To_Account bound+1 wide',
    make: () => ({ item: item(wide(L.userIdMaxBytes + 1)) }),
    reason: /To_Account is 33 bytes/,
  },
  {
    kind: 'To_Account control char',
    make: (k) => ({ item: item(`t${k}\u0001`) }),
    reason: /control character/,
  },
  { kind: 'self friend', make: (_k, from) => ({ item: item(from) }), reason: /own friend/ },
  {
    kind: 'AddSource missing',
    make: (k) => ({ item: { To_Account: `t${k}` } }),
    reason: /AddSource is required/,
  },
  {
    kind: 'AddSource keyword bound+1',
    make: (k) => ({
      item: item(`t${k}`, { AddSource: `AddSource_Type_${x(L.addSourceKeywordMaxBytes + 1, 'a')}` }),
    }),
    reason: /AddSource must be "AddSource_Type_"/,
  },
  {
    kind: 'AddSource wrong prefix',
    make: (k) => ({ item: item(`t${k}`, { AddSource: 'Web' }) }),
    reason: /AddSource must be/,
  },
  {
    kind: 'AddSource wrong type',
    make: (k) => ({ item: item(`t${k}`, { AddSource: 7 }) }),
    reason: /AddSource must be a string/,
  },
  {
    kind: 'Remark bound+1',
    make: (k) => ({ item: item(`t${k}`, { Remark: x(L.remarkMaxBytes + 1) }) }),
    reason: /Remark is 97 bytes/,
  },
  {
    kind: 'Remark bound+1 wide',
    make: (k) => ({ item: item(`t${k}`, { Remark: wide(L.remarkMaxBytes + 1) }) }),
    reason: /Remark is 97 bytes/,
  },
  {
    kind: 'Remark wrong type',
    make: (k) => ({ item: item(`t${k}`, { Remark: ['r'] }) }),
    reason: /Remark must be a string/,
  },
  {
    kind: 'GroupName groups bound+1',
    make: (k) => ({
      item: item(`t${k}`, { GroupName: Array.from({ length: L.groupsPerItem + 1 }, (_, i) => `g${i}`) }),
    }),
    reason: /has 33 groups/,
  },
  {
    kind: 'GroupName name bound+1',
    make: (k) => ({ item: item(`t${k}`, { GroupName: [x(L.groupNameMaxBytes + 1)] }) }),
    reason: /GroupName\[0\] is 31 bytes/,
  },
  {
    kind: 'GroupName empty name',
    make: (k) => ({ item: item(`t${k}`, { GroupName: ['ok', ''] }) }),
    reason: /GroupName\[1\] must not be empty/,
  },
  {
    kind: 'GroupName wrong type',
    make: (k) => ({ item: item(`t${k}`, { GroupName: 'g' }) }),
    reason: /GroupName must be an array/,
  },
  {
    kind: 'AddWording bound+1',
    make: (k) => ({ item: item(`t${k}`, { AddWording: x(L.addWordingMaxBytes + 1) }) }),
    reason: /AddWording is 257 bytes/,
  },
  {
    kind: 'custom tag bound+1',
    make: (k) => ({
      item: item(`t${k}`, {
        CustomItem: [{ Tag: `Tag_SNS_Custom_${x(L.customTagKeywordMaxBytes + 1, 'a')}`, Value: 'v' }],
      }),
    }),
    reason: /Tag must be "Tag_SNS_Custom_"/,
  },
  {
    kind: 'custom value bound+1',
    make: (k) => ({
      item: item(`t${k}`, {
        CustomItem: [{ Tag: 'Tag_SNS_Custom_Level', Value: x(L.customValueMaxBytes + 1) }],
      }),
    }),
    reason: /Value is 501 bytes/,
  },
  {
    kind: 'custom tag repeated',
    make: (k) => ({
      item: item(`t${k}`, {
        CustomItem: [
          { Tag: 'Tag_SNS_Custom_A', Value: '1' },
          { Tag: 'Tag_SNS_Custom_A', Value: '2' },
        ],
      }),
    }),
    reason: /repeats the tag/,
  },
  {
    kind: 'RemarkTime wrong type',
    make: (k) => ({ item: item(`t${k}`, { RemarkTime: 'today' }) }),
    reason: /RemarkTime must be/,
  },
  {
    kind: 'AddTime not an integer',
    make: (k) => ({ item: item(`t${k}`, { AddTime: 1.5 }) }),
    reason: /AddTime/,
  },
  {
    kind: 'unknown item field',
    make: (k) => ({ item: item(`t${k}`, { Remarks: 'typo' }) }),
    reason: /unknown field\(s\): Remarks/,
  },
  { kind: 'item null', make: () => ({ item: null }), reason: /must be an object|expected object/i },
  { kind: 'item a string', make: () => ({ item: 'friend' }), reason: /must be an object|expected object/i },
  // Body-level problems: every item of the line is rejected with the body's reason.
  {
    kind: 'unknown body field',
    make: (k) => ({ item: item(`t${k}`), body: { Extra: true } }),
    reason: /\(body\) has unknown field\(s\): Extra/,
  },
  {
    kind: 'From_Account bound+1',
    make: (k) => ({
      item: item(`t${k}`),
      body: { From_Account: `f${k}${x(40)}`.slice(0, L.userIdMaxBytes + 1) },
    }),
    reason: /From_Account is 33 bytes/,
  },
  {
    kind: 'From_Account wrong type',
    make: (k) => ({ item: item(`t${k}`), body: { From_Account: k } }),
    reason: /From_Account must be a string/,
  },
];

/** Lines that hold no usable record at all (one report row, no accounts). */
export const LINE_KINDS: {
  kind: string;
  text: (k: number) => string | Buffer;
  reason: RegExp;
  /** The accounts the row names, when the line still had some. */
  accounts?: (k: number) => [from: string, to: string];
  /** Bytes that are not UTF-8 text (see AFTER_HEAD). */
  encoding?: boolean;
}[] = [
  { kind: 'broken JSON', text: (k) => `{"From_Account":"b${k}","AddFriendItem":[`, reason: /not valid JSON/ },
  {
    kind: 'JSON with trailing garbage',
    text: (k) => `{"From_Account":"b${k}","AddFriendItem":[]} x`,
    reason: /not valid JSON/,
  },
  { kind: 'single quotes', text: (k) => `{'From_Account':'b${k}'}`, reason: /not valid JSON/ },
  {
    kind: 'not an object',
    text: (k) => (['[1,2]', '"text"', '42', 'null', 'true'] as const)[k % 5]!,
    reason: /must be a JSON object/,
  },
  {
    kind: 'From_Account missing',
    text: (k) => JSON.stringify({ AddFriendItem: [item(`t${k}`)] }),
    reason: /From_Account is required/,
    accounts: (k) => ['', `t${k}`],
  },
  {
    kind: 'AddFriendItem missing',
    text: (k) => JSON.stringify({ From_Account: `b${k}` }),
    reason: /AddFriendItem is required/,
    accounts: (k) => [`b${k}`, ''],
  },
  {
    kind: 'AddFriendItem not an array',
    text: (k) => JSON.stringify({ From_Account: `b${k}`, AddFriendItem: item(`t${k}`) }),
    reason: /AddFriendItem must be an array/,
    accounts: (k) => [`b${k}`, ''],
  },
  {
    kind: 'AddFriendItem empty',
    text: (k) => JSON.stringify({ From_Account: `b${k}`, AddFriendItem: [] }),
    reason: /AddFriendItem is empty/,
    accounts: (k) => [`b${k}`, ''],
  },
  { kind: 'empty line', text: () => '', reason: /line is empty/ },
  { kind: 'blank line', text: () => ' \t ', reason: /line is empty/ },
  {
    kind: 'invalid UTF-8',
    text: (k) =>
      Buffer.concat([
        Buffer.from(`{"From_Account":"b${k}","AddFriendItem":[{"To_Account":"t`),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('","AddSource":"AddSource_Type_Bad"}]}'),
      ]),
    reason: /not valid UTF-8/,
    encoding: true,
  },
  {
    kind: 'Latin-1 text',
    text: (k) =>
      Buffer.concat([
        Buffer.from(
          `{"From_Account":"b${k}","AddFriendItem":[{"To_Account":"t${k}","AddSource":"AddSource_Type_Bad","Remark":"caf`,
        ),
        Buffer.from([0xe9]),
        Buffer.from('"}]}'),
      ]),
    reason: /not valid UTF-8/,
    encoding: true,
  },
  { kind: 'NUL bytes', text: () => Buffer.from([0, 0, 0, 0]), reason: /not valid JSON/, encoding: true },
];
