/**
 * Generates the sample dataset `friend-import demo` imports (cli/demo/), from a fixed seed, with
 * the outcome every item must get. Each edge case is made on purpose, so the expected counts come
 * from how the data was built, not from running the importer.
 *
 *   node --import tsx scripts/make-demo-data.ts        # rewrites cli/demo/ (commit the result)
 *
 * JSONL (friends.jsonl): ~300 users of a 3,600-account app, 1–20 friends each, with bad lines,
 * too-long fields, unknown accounts (30003), another app's accounts (30002), a sensitive word
 * (30005), a user past the 3,000-friend limit (30010), duplicates, and users on several lines.
 * CSV (friends.csv): 40 more users, one friend per row, a custom tag column, and its own bad rows.
 */
import { stringify } from 'csv-stringify/sync';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { mulberry32 } from '../emulator/prng.js';
import type { AddFriendItem } from '../im/schemas.js';
import { CSV_STANDARD_COLUMNS, groupCell } from '../formats/source/records.js';

const SEED = 20_261_126;
const OUT = join(import.meta.dirname, '..', 'cli', 'demo');
const POOL = 3_600;
const SENSITIVE = ['spamword', '违禁词'];
const GROUPS = ['Family', 'Work', 'School', 'Gym', 'Book club', 'Neighbours'];
const SOURCES = [
  'AddSource_Type_Web',
  'AddSource_Type_Android',
  'AddSource_Type_iOS',
  'AddSource_Type_Import',
];

const random = mulberry32(SEED);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const chance = (p: number): boolean => random() < p;
const account = (n: number): string => `user${String(n).padStart(4, '0')}`;

type Outcome = 0 | 30002 | 30003 | 30005 | 30010 | 'rejected' | 'superseded';

class Tally {
  lines = 0;
  items = 0;
  readonly byOutcome = new Map<Outcome, number>();
  readonly cases: Record<string, number> = {};
  add(outcome: Outcome, caseName?: string, n = 1): void {
    this.items += n;
    this.count(outcome, n);
    if (caseName) this.cases[caseName] = (this.cases[caseName] ?? 0) + n;
  }
  /** One item already counted gets another outcome (e.g. superseded by a later duplicate). */
  move(from: Outcome, to: Outcome, caseName: string): void {
    this.count(from, -1);
    this.count(to, 1);
    this.cases[caseName] = (this.cases[caseName] ?? 0) + 1;
  }
  private count(outcome: Outcome, n: number): void {
    this.byOutcome.set(outcome, (this.byOutcome.get(outcome) ?? 0) + n);
  }
  expect() {
    const failedByCode: Record<string, number> = {};
    let failed = 0;
    for (const [code, n] of [...this.byOutcome].sort(([a], [b]) => String(a).localeCompare(String(b)))) {
      if (code === 0 || code === 'superseded') continue;
      failed += n;
      failedByCode[String(code)] = n;
    }
    return {
      status: 'completed',
      lines: this.lines,
      items: this.items,
      imported: this.byOutcome.get(0) ?? 0,
      failed,
      failedByCode,
      superseded: this.byOutcome.get('superseded') ?? 0,
    };
  }
}

/** A valid item for an existing account, with a realistic mix of optional fields. */
function goodItem(to: string): AddFriendItem {
  const item: AddFriendItem = { To_Account: to, AddSource: pick(SOURCES) };
  if (chance(0.5))
    item.Remark = pick(['Mum', 'Boss', 'Old friend', 'Neighbour', '同事', 'Coach', `Friend of ${to}`]);
  if (item.Remark && chance(0.5)) item.RemarkTime = 1_700_000_000 + Math.floor(random() * 10_000_000);
  if (chance(0.4)) item.GroupName = chance(0.7) ? [pick(GROUPS)] : [...new Set([pick(GROUPS), pick(GROUPS)])];
  if (chance(0.7)) item.AddTime = 1_600_000_000 + Math.floor(random() * 100_000_000);
  if (chance(0.2)) item.AddWording = pick(['Hi, it is me', 'Met you at the conference', '你好']);
  return item;
}

/** Distinct existing accounts other than `self`. */
function friendsOf(self: number, n: number, from: number, to: number): string[] {
  const chosen = new Set<number>();
  while (chosen.size < n) {
    const k = from + Math.floor(random() * (to - from + 1));
    if (k !== self) chosen.add(k);
  }
  return [...chosen].map(account);
}

function makeJsonl(): { text: string; tally: Tally } {
  const t = new Tally();
  const lines: string[] = [];
  const body = (from: string, items: unknown[]): string =>
    JSON.stringify({ From_Account: from, AddFriendItem: items });
  const later: { from: string; items: AddFriendItem[] }[] = [];
  // Unusable lines: each counts as one item, rejected by the reader.
  const bad: [string, string][] = [
    ['{"From_Account":"user0281","AddFriendItem":[{"To_Account":"user0001"', 'line is not JSON'],
    ['', 'empty line'],
    ['["an","array"]', 'line is not an object'],
    ['{"From_Account":"user0282","AddFriendItem":[]}', 'AddFriendItem is empty'],
    ['{"From_Account":"user0283"}', 'AddFriendItem missing'],
    [
      '{"From_Account":"","AddFriendItem":[{"To_Account":"user0002","AddSource":"AddSource_Type_Web"}]}',
      'From_Account empty',
    ],
  ];
  let ghosts = 0;
  let sensitive = 0;

  // Normal users draw friends from user0001–user3300; the accounts above are kept for the edge cases.
  for (let u = 1; u <= 280; u++) {
    const from = account(u);
    const goods = friendsOf(u, 1 + Math.floor(random() * 20), 1, 3_300).map(goodItem);
    t.add(0, undefined, goods.length);
    const items: unknown[] = [...goods];
    const edge = (name: string, item: unknown, outcome: Outcome): void => {
      items.splice(Math.floor(random() * (items.length + 1)), 0, item);
      t.add(outcome, name);
    };
    if (u % 23 === 0) edge('unknown friend account (30003)', goodItem(`ghost_${++ghosts}`), 30003);
    if (u % 70 === 5) edge("another app's account (30002)", goodItem(`partner_${u}`), 30002);
    if (u % 56 === 7)
      edge(
        'sensitive word (30005)',
        { ...goodItem(account(3_500 + ++sensitive)), Remark: `${pick(SENSITIVE)} inside` },
        30005,
      );
    if (u === 11)
      edge('Remark over 96 bytes', { ...goodItem(account(3_400)), Remark: 'r'.repeat(97) }, 'rejected');
    if (u === 12)
      edge('Remark over 96 bytes', { ...goodItem(account(3_401)), Remark: '备注'.repeat(17) }, 'rejected');
    if (u === 13)
      edge(
        'GroupName over 30 bytes',
        { ...goodItem(account(3_402)), GroupName: ['g'.repeat(31)] },
        'rejected',
      );
    if (u === 14)
      edge(
        'AddWording over 256 bytes',
        { ...goodItem(account(3_403)), AddWording: 'w'.repeat(257) },
        'rejected',
      );
    if (u === 15) edge('To_Account over 32 bytes', goodItem('x'.repeat(33)), 'rejected');
    if (u === 16)
      edge(
        'AddSource not AddSource_Type_<letters>',
        { ...goodItem(account(3_404)), AddSource: 'Web' },
        'rejected',
      );
    if (u === 17) edge('self-friend', goodItem(from), 'rejected');
    if (u === 18)
      edge(
        'bad custom tag',
        { ...goodItem(account(3_405)), CustomItem: [{ Tag: 'Tag_SNS_Custom_Level9', Value: 'x' }] },
        'rejected',
      );
    if (u === 19)
      edge('wrong field type', { ...goodItem(account(3_406)), RemarkTime: 'yesterday' }, 'rejected');
    if (u === 20) edge('unknown field', { ...goodItem(account(3_407)), Nickname: 'Bob' }, 'rejected');
    if (u % 90 === 30) {
      // The same To_Account twice in one body: the last one wins, the earlier is superseded.
      items.push({ ...goods[0], Remark: 'updated remark' });
      t.add(0);
      t.move(0, 'superseded', 'duplicate To_Account (earlier one superseded)');
    }
    lines.push(body(from, items));
    if (u % 40 === 1) {
      // The same user again on the next line, repeating one friend: same page, so superseded too.
      const more = friendsOf(u, 2, 3_391, 3_399).map(goodItem);
      lines.push(body(from, [...more, { ...goods[0], Remark: 'seen again' }]));
      t.add(0, undefined, more.length + 1);
      t.move(0, 'superseded', 'duplicate To_Account on the next line (earlier one superseded)');
    }
    if (u % 28 === 3) later.push({ from, items: friendsOf(u, 3, 3_310, 3_390).map(goodItem) });
    const unusable = u % 45 === 0 ? bad[u / 45 - 1] : undefined;
    if (unusable) {
      lines.push(unusable[0]);
      t.add('rejected', unusable[1]);
    }
  }

  // Users that come back much later with other friends: all imported.
  for (const user of later) {
    lines.push(body(user.from, user.items));
    t.add(0, 'user repeated on a later line', user.items.length);
  }

  // A user past the 3,000-friend limit: the first 3,000 get in, the rest fail with 30010.
  const whaleFriends = Array.from({ length: 3_004 }, (_, i) => ({
    To_Account: account(302 + i),
    AddSource: 'AddSource_Type_Import',
    ...(i % 4 === 0 && { GroupName: [GROUPS[i % GROUPS.length] as string] }),
  }));
  lines.push(body(account(301), whaleFriends));
  t.add(0, undefined, 3_000);
  t.add(30010, 'past the 3,000-friend limit (30010)', 4);

  // A From_Account that was never imported, and one of another app: the whole call fails.
  lines.push(body('newcomer_01', friendsOf(0, 3, 1, 3_300).map(goodItem)));
  t.add(30003, 'From_Account not imported (30003, whole call)', 3);
  lines.push(body('partner_900', friendsOf(0, 2, 1, 3_300).map(goodItem)));
  t.add(30002, 'From_Account of another app (30002, whole call)', 2);

  t.lines = lines.length;
  return { text: `${lines.join('\n')}\n`, tally: t };
}

function makeCsv(): { text: string; tally: Tally } {
  const t = new Tally();
  const header = [...CSV_STANDARD_COLUMNS, 'Tag_SNS_Custom_City'];
  const rows: string[] = [];
  const row = (cells: (string | number | undefined)[]): string =>
    stringify([cells.map((c) => (c === undefined ? '' : String(c)))]).trimEnd();
  const cells = (from: string, i: AddFriendItem, city = ''): (string | number | undefined)[] => [
    from,
    i.To_Account,
    i.AddSource,
    i.Remark,
    i.RemarkTime,
    i.GroupName && groupCell(i.GroupName),
    i.AddWording,
    i.AddTime,
    city,
  ];
  for (let u = 400; u < 440; u++) {
    const from = account(u);
    const friends = friendsOf(u, 1 + Math.floor(random() * 8), 1, 399);
    friends.forEach((to, k) => {
      rows.push(
        row(cells(from, goodItem(to), chance(0.3) ? pick(['Shenzhen', 'Beijing', 'Singapore']) : '')),
      );
      t.add(0);
      if (u === 405 && k === 0) {
        rows.push(row(cells(from, goodItem('ghost_csv_1'))));
        t.add(30003, 'unknown friend account (30003)');
      }
    });
    if (u === 406) {
      rows.push(row(cells(from, { ...goodItem(account(3_450)), Remark: '违禁词 in a remark' })));
      t.add(30005, 'sensitive word (30005)');
    }
    if (u === 407) {
      rows.push(row([from, account(3_451), 'AddSource_Type_Web', 'r', 'yesterday', '', '', '', '']));
      t.add('rejected', 'RemarkTime not a number');
    }
    if (u === 408) {
      rows.push(`${from},${account(3_452)},AddSource_Type_Web`);
      t.add('rejected', 'row with too few fields');
    }
    if (u === 409) {
      rows.push(`${from},${account(3_453)},AddSource_Type_Web,"unterminated,,,,,,`);
      t.add('rejected', 'bad quoting');
    }
    if (u === 410) {
      rows.push(row(cells(from, { ...goodItem(account(3_454)), Remark: 'r'.repeat(100) })));
      t.add('rejected', 'Remark over 96 bytes');
    }
    if (u === 411) {
      // Repeats this user's first friend on the next row: the later row wins.
      rows.push(row(cells(from, { ...goodItem(friends[0] as string), Remark: 'second thoughts' })));
      t.add('superseded', 'duplicate To_Account (earlier row superseded)');
    }
  }
  t.lines = rows.length;
  return { text: `${[row(header), ...rows].join('\n')}\n`, tally: t };
}

const jsonl = makeJsonl();
const csv = makeCsv();
const accounts = Array.from({ length: POOL }, (_, i) => account(i + 1));
const foreign = [...jsonl.text.matchAll(/"(partner_\d+)"/g)].map((m) => m[1] as string);

const manifest = {
  description:
    'The sample dataset of `friend-import demo`, generated by scripts/make-demo-data.ts (seeded; do not edit by hand). ' +
    '`expect` is what each job must end with; `users` is not compared (the job counts a user once per page it appears in).',
  seed: SEED,
  emulator: {
    accounts: 'accounts.txt',
    foreignAccounts: 'foreign-accounts.txt',
    sensitiveWords: SENSITIVE,
  },
  jobs: [
    { file: 'friends.jsonl', format: 'jsonl', expect: jsonl.tally.expect(), cases: jsonl.tally.cases },
    { file: 'friends.csv', format: 'csv', expect: csv.tally.expect(), cases: csv.tally.cases },
  ],
};

await mkdir(OUT, { recursive: true });
await writeFile(join(OUT, 'friends.jsonl'), jsonl.text);
await writeFile(join(OUT, 'friends.csv'), csv.text);
await writeFile(join(OUT, 'accounts.txt'), `${accounts.join('\n')}\n`);
await writeFile(join(OUT, 'foreign-accounts.txt'), `${[...new Set(foreign)].sort().join('\n')}\n`);
const manifestPath = join(OUT, 'demo.json');
const config = (await prettier.resolveConfig(manifestPath)) ?? {};
await writeFile(manifestPath, await prettier.format(JSON.stringify(manifest), { ...config, parser: 'json' }));
console.log(`wrote ${OUT}:`, JSON.stringify(manifest.jobs.map((j) => ({ file: j.file, ...j.expect }))));
