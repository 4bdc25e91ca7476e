/**
 * Seeded bad input for the bad-input suite (badInput.test.ts): JSONL and CSV files (badCsv.ts) where
 * at least 1,000 malformed rows of every kind — broken JSON, wrong types, each field limit at its
 * bound + 1 (im/limits.ts LIMITS), unknown fields, empty lines, BOMs, invalid UTF-8, a 5 MB line,
 * ragged CSV rows and bad quoting — sit among good rows. Each bad row comes with what the report
 * must say (its line and a reason pattern); each good row with the friend it must produce.
 */
import type { AddFriendItem } from '../../im/schemas.js';
import { ITEM_KINDS, LINE_KINDS, x } from './badKinds.js';

export interface ExpectedRow {
  line: number;
  fromAccount: string;
  toAccount: string;
  kind: string;
  reason: RegExp;
  /** The report's code for the row: `rejected` unless said (a repeated pair's earlier row is superseded). */
  code?: 'superseded';
}

export interface BadInput {
  bytes: Buffer;
  /** Good user → exactly the friends the file must produce for them. */
  good: Map<string, AddFriendItem[]>;
  bad: ExpectedRow[];
  /** Accounts the service must know: good users and their friends. */
  accounts: string[];
  lines: number;
}

/**
 * Rows that are not UTF-8 text start after this many bytes: `friend-import import` sniffs the
 * file's first 64 KiB and refuses a file whose head is not UTF-8 as a whole (exit 2); further in,
 * such rows are the reader's to report one by one.
 */
export const AFTER_HEAD = 96 * 1024;

export const sizeOf = (l: string | Buffer): number =>
  (typeof l === 'string' ? Buffer.byteLength(l) : l.length) + 1;

/** Builds the JSONL file: `goodUsers` users with 1–3 friends each among ≥ 1,000 bad rows. */
export function badJsonl(rounds = 36, goodUsers = 600): BadInput {
  const lines: (string | Buffer)[] = [];
  const good = new Map<string, AddFriendItem[]>();
  const bad: ExpectedRow[] = [];
  const goodItem = (u: number, j: number): AddFriendItem => ({
    To_Account: `gf${u}_${j}`,
    AddSource: 'AddSource_Type_Good',
    ...(j % 2 === 0 && { Remark: `good ${u}/${j}` }),
    ...(j === 2 && { CustomItem: [{ Tag: 'Tag_SNS_Custom_Level', Value: String(u) }] }),
  });
  let nextGood = 0;
  const addGood = (extra?: unknown): void => {
    if (nextGood >= goodUsers) return;
    const u = nextGood++;
    const from = `g${u}`;
    const items = Array.from({ length: 1 + (u % 3) }, (_, j) => goodItem(u, j));
    good.set(from, items);
    const body: { From_Account: string; AddFriendItem: unknown[] } = {
      From_Account: from,
      AddFriendItem: [...items],
    };
    // Some good users share their line with a bad item: it is rejected alone, the rest still go.
    if (extra !== undefined) body.AddFriendItem.splice(1, 0, extra);
    // Some lines end in CRLF; some start with a BOM, as files concatenated with `cat` do: the
    // reader (TextDecoder) drops a BOM at the start of any line, so these rows are good.
    lines.push((u % 11 === 5 ? '\uFEFF' : '') + JSON.stringify(body) + (u % 7 === 0 ? '\r' : ''));
  };
  // Line 1 starts with a BOM and is good.
  addGood();
  lines[0] = `\uFEFF${lines[0] as string}`;
  let k = 0;
  for (let round = 0; round < rounds; round++) {
    // The same To_Account twice in one line: the earlier one loses (last one wins), the later goes.
    if (nextGood < goodUsers) {
      const u = nextGood++;
      const from = `g${u}`;
      const first = { To_Account: `gf${u}_dup`, AddSource: 'AddSource_Type_First' };
      const last = { To_Account: `gf${u}_dup`, AddSource: 'AddSource_Type_Last', Remark: 'kept' };
      good.set(from, [last]);
      lines.push(JSON.stringify({ From_Account: from, AddFriendItem: [first, last] }));
      bad.push({
        line: lines.length,
        fromAccount: from,
        toAccount: first.To_Account,
        kind: 'duplicate To_Account',
        reason: /appears again later.*last one wins/,
        code: 'superseded',
      });
    }
    for (const kind of ITEM_KINDS) {
      k++;
      // Every third item-level bad row rides in a good user's line instead of its own.
      const rides = !kind.make(k, '').body && round % 3 === 2 && nextGood < goodUsers;
      const from = rides ? `g${nextGood}` : `b${k}`;
      const made = kind.make(k, from);
      const body = { From_Account: from, AddFriendItem: [made.item], ...made.body };
      const to = (made.item as { To_Account?: unknown } | null)?.To_Account;
      const toAccount = typeof to === 'string' ? to : '';
      if (rides) {
        addGood(made.item);
        bad.push({ line: lines.length, fromAccount: from, toAccount, kind: kind.kind, reason: kind.reason });
      } else {
        lines.push(JSON.stringify(body));
        const fromAccount = typeof body.From_Account === 'string' ? body.From_Account : '';
        bad.push({ line: lines.length, fromAccount, toAccount, kind: kind.kind, reason: kind.reason });
      }
      if (k % 3 === 0) addGood();
    }
    for (const kind of LINE_KINDS) {
      if (kind.encoding && lines.reduce((n, l) => n + sizeOf(l), 0) < AFTER_HEAD) continue;
      k++;
      lines.push(kind.text(k));
      const [fromAccount, toAccount] = kind.accounts?.(k) ?? ['', ''];
      bad.push({ line: lines.length, fromAccount, toAccount, kind: kind.kind, reason: kind.reason });
      if (k % 3 === 0) addGood();
    }
  }
  // One 5 MB line (past the reader's 2 MiB line limit), and deep nesting.
  lines.push(
    `{"From_Account":"huge","AddFriendItem":[{"To_Account":"t","AddSource":"AddSource_Type_Bad","Remark":"${x(5 * 1024 * 1024)}"}]}`,
  );
  bad.push({
    line: lines.length,
    fromAccount: '',
    toAccount: '',
    kind: '5 MB line',
    reason: /bytes long; a line may be at most/,
  });
  lines.push('['.repeat(100_000) + ']'.repeat(100_000));
  bad.push({
    line: lines.length,
    fromAccount: '',
    toAccount: '',
    kind: 'deep nesting',
    reason: /must be a JSON object|not valid JSON/,
  });
  while (nextGood < goodUsers) addGood();
  const bytes = Buffer.concat(
    lines.map((l) => Buffer.concat([typeof l === 'string' ? Buffer.from(l) : l, Buffer.from('\n')])),
  );
  return { bytes, good, bad, accounts: accountsOf(good), lines: lines.length };
}

export function accountsOf(good: Map<string, AddFriendItem[]>): string[] {
  return [...good].flatMap(([from, items]) => [from, ...items.map((i) => i.To_Account)]);
}
