/** The bad-input suite's CSV file (see badInput.ts): ragged rows, bad quoting, every limit + 1. */
import type { AddFriendItem } from '../../im/schemas.js';
import { accountsOf, AFTER_HEAD, sizeOf, type BadInput, type ExpectedRow } from './badInput.js';
import { x } from './badKinds.js';

const CSV_COLUMNS =
  'From_Account,To_Account,AddSource,Remark,RemarkTime,GroupName,AddWording,AddTime,Tag_SNS_Custom_Level';

/** CSV kinds: the row's cells after From_Account (8 columns), or raw text for broken rows. */
const CSV_KINDS: {
  kind: string;
  row: (k: number) => string | Buffer;
  to: (k: number) => string;
  reason: RegExp;
  lineLevel?: boolean;
  encoding?: boolean;
}[] = [
  {
    kind: 'ragged: too few fields',
    row: (k) => `c${k},t${k},AddSource_Type_Bad`,
    to: (k) => `t${k}`,
    reason: /row has 3 fields; the header has 9/,
  },
  {
    kind: 'ragged: too many fields',
    row: (k) => `c${k},t${k},AddSource_Type_Bad,,,,,,,extra`,
    to: (k) => `t${k}`,
    reason: /row has 10 fields; the header has 9/,
  },
  {
    kind: 'unterminated quote',
    row: (k) => `c${k},"t${k},AddSource_Type_Bad,,,,,,`,
    to: () => '',
    reason: /not a valid CSV row/,
    lineLevel: true,
  },
  {
    kind: 'quote inside a field',
    row: (k) => `c${k},t"${k}",AddSource_Type_Bad,,,,,,`,
    to: () => '',
    reason: /not a valid CSV row/,
    lineLevel: true,
  },
  {
    kind: 'From_Account empty',
    row: (k) => `,t${k},AddSource_Type_Bad,,,,,,`,
    to: (k) => `t${k}`,
    reason: /From_Account must not be empty/,
  },
  {
    kind: 'To_Account bound+1',
    row: (k) => `c${k},${`t${k}${x(40)}`.slice(0, 33)},AddSource_Type_Bad,,,,,,`,
    to: (k) => `t${k}${x(40)}`.slice(0, 33),
    reason: /To_Account is 33 bytes/,
  },
  {
    kind: 'AddSource bad',
    row: (k) => `c${k},t${k},AddSource_Type_${x(9, 'a')},,,,,,`,
    to: (k) => `t${k}`,
    reason: /AddSource must be/,
  },
  {
    kind: 'Remark bound+1',
    row: (k) => `c${k},t${k},AddSource_Type_Bad,${x(97)},,,,,`,
    to: (k) => `t${k}`,
    reason: /Remark is 97 bytes/,
  },
  {
    kind: 'RemarkTime not a number',
    row: (k) => `c${k},t${k},AddSource_Type_Bad,,soon,,,,`,
    to: (k) => `t${k}`,
    reason: /RemarkTime must be a whole number/,
  },
  {
    kind: 'AddTime negative',
    row: (k) => `c${k},t${k},AddSource_Type_Bad,,,,,-5,`,
    to: (k) => `t${k}`,
    reason: /AddTime must be a whole number/,
  },
  {
    kind: 'GroupName groups bound+1',
    row: (k) =>
      `c${k},t${k},AddSource_Type_Bad,,,${Array.from({ length: 33 }, (_, i) => `g${i}`).join('|')},,,`,
    to: (k) => `t${k}`,
    reason: /has 33 groups/,
  },
  {
    kind: 'GroupName name bound+1',
    row: (k) => `c${k},t${k},AddSource_Type_Bad,,,${x(31)},,,`,
    to: (k) => `t${k}`,
    reason: /GroupName\[0\] is 31 bytes/,
  },
  {
    kind: 'GroupName empty name',
    row: (k) => `c${k},t${k},AddSource_Type_Bad,,,a||b,,,`,
    to: (k) => `t${k}`,
    reason: /GroupName\[1\] must not be empty/,
  },
  {
    kind: 'AddWording bound+1',
    row: (k) => `c${k},t${k},AddSource_Type_Bad,,,,${x(257)},,`,
    to: (k) => `t${k}`,
    reason: /AddWording is 257 bytes/,
  },
  {
    kind: 'custom value bound+1',
    row: (k) => `c${k},t${k},AddSource_Type_Bad,,,,,,${x(501)}`,
    to: (k) => `t${k}`,
    reason: /Value is 501 bytes/,
  },
  {
    kind: 'self friend',
    row: (k) => `c${k},c${k},AddSource_Type_Bad,,,,,,`,
    to: (k) => `c${k}`,
    reason: /own friend/,
  },
  {
    kind: 'control char',
    row: (k) => `c${k},"t${k}\u0002",AddSource_Type_Bad,,,,,,`,
    to: (k) => `t${k}\u0002`,
    reason: /control character/,
  },
  { kind: 'empty line', row: () => '', to: () => '', reason: /line is empty/, lineLevel: true },
  {
    kind: 'invalid UTF-8',
    row: (k) =>
      Buffer.concat([
        Buffer.from(`c${k},t${k},AddSource_Type_Bad,`),
        Buffer.from([0xc3, 0x28]),
        Buffer.from(',,,,,'),
      ]),
    to: () => '',
    reason: /not valid UTF-8/,
    lineLevel: true,
    encoding: true,
  },
];

/** Builds the CSV file (BOM, CRLF rows, a custom tag column) with ≥ 1,000 bad rows among good ones. */
export function badCsv(rounds = 56, goodUsers = 300): BadInput {
  const lines: (string | Buffer)[] = [`\uFEFF${CSV_COLUMNS}`];
  const good = new Map<string, AddFriendItem[]>();
  const bad: ExpectedRow[] = [];
  let nextGood = 0;
  const addGood = (): void => {
    if (nextGood >= goodUsers) return;
    const u = nextGood++;
    const from = `cg${u}`;
    const items: AddFriendItem[] = Array.from({ length: 1 + (u % 3) }, (_, j) => ({
      To_Account: `cgf${u}_${j}`,
      AddSource: 'AddSource_Type_Good',
      ...(j === 0 && { Remark: `csv ${u}`, GroupName: ['a', 'b'] }),
      ...(j === 1 && {
        AddTime: 1_700_000_000 + u,
        CustomItem: [{ Tag: 'Tag_SNS_Custom_Level', Value: `L${u}` }],
      }),
    }));
    good.set(from, items);
    for (const i of items) {
      const level = i.CustomItem?.[0]?.Value ?? '';
      lines.push(
        `${from},${i.To_Account},${i.AddSource},${i.Remark ?? ''},,${(i.GroupName ?? []).join('|')},,${i.AddTime ?? ''},${level}` +
          (u % 5 === 0 ? '\r' : ''),
      );
    }
  };
  let k = 0;
  for (let round = 0; round < rounds; round++) {
    for (const kind of CSV_KINDS) {
      if (kind.encoding && lines.reduce((n, l) => n + sizeOf(l), 0) < AFTER_HEAD) continue;
      k++;
      lines.push(kind.row(k));
      const fromAccount = kind.lineLevel || kind.kind === 'From_Account empty' ? '' : `c${k}`;
      bad.push({
        line: lines.length,
        fromAccount,
        toAccount: kind.to(k),
        kind: kind.kind,
        reason: kind.reason,
      });
      addGood();
    }
    // A quoted field that spans two lines: one record per line, so both halves are reported.
    k++;
    lines.push(`c${k},t${k},AddSource_Type_Bad,"multi`);
    bad.push({
      line: lines.length,
      fromAccount: '',
      toAccount: '',
      kind: 'quoted newline (first half)',
      reason: /not a valid CSV row/,
    });
    lines.push(`line remark",,,,,`);
    bad.push({
      line: lines.length,
      fromAccount: '',
      toAccount: '',
      kind: 'quoted newline (second half)',
      reason: /not a valid CSV row|fields; the header has/,
    });
  }
  while (nextGood < goodUsers) addGood();
  const bytes = Buffer.concat(
    lines.map((l) => Buffer.concat([typeof l === 'string' ? Buffer.from(l) : l, Buffer.from('\n')])),
  );
  return { bytes, good, bad, accounts: accountsOf(good), lines: lines.length };
}
