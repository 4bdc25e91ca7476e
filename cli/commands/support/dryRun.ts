/**
 * `import --dry-run`: validates a whole file on this machine with the bulk job's own reader
 * (formats/source/stream.ts, a record at a time, so memory stays bounded by a line) and writes nothing
 * to IM and nothing to Temporal. Every row that the job would reject is reported with its line;
 * rows that repeat a pair are counted, not reported: the job imports the later row either way.
 *
 * What it cannot know is what the service holds (accounts that exist, the 3,000-friend limit):
 * those outcomes only a real import gives (docs/architecture.md, validated input).
 */
import { stringify } from 'csv-stringify/sync';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { REPORT_COLUMNS } from '../../../formats/importReport.js';
import { violationText } from '../../../formats/source/records.js';
import { readRecords, START } from '../../../formats/source/stream.js';
import type { ReportRow, SourceFormat } from '../../../core/jobTypes.js';
import { checkFriendImportBody } from '../../../im/limits.js';
import type { PlanCounter } from '../../../core/planCount.js';

interface DryRunSummary {
  dryRun: true;
  file: string;
  format: SourceFormat;
  lines: number;
  /** Distinct From_Accounts with at least one valid item. */
  users: number;
  items: number;
  valid: number;
  /** Rows (items or whole lines) the job would reject. */
  rejected: number;
  failedByCode: Record<string, number>;
  /**
   * Valid rows whose pair (From_Account, To_Account) a later row repeats: not errors, the later row
   * wins (the job reports the earlier one `superseded`, or sends both in file order).
   */
  repeatedPairs: number;
  /** False when the file held more pairs than the dry run remembers: `repeatedPairs` is a lower bound. */
  repeatedPairsExact: boolean;
  reportJsonl: string | null;
  reportCsv: string | null;
}

/** Pairs remembered to find repeated ones (about 100 MB): a dry run's memory stays bounded. */
const MAX_REMEMBERED_PAIRS = 1_000_000;

/** Counts pairs seen before, remembering at most `MAX_REMEMBERED_PAIRS`. */
class RepeatedPairs {
  readonly #seen = new Map<string, Set<string>>();
  #remembered = 0;
  repeated = 0;
  exact = true;

  add(from: string, to: string): void {
    let friends = this.#seen.get(from);
    if (friends?.has(to)) {
      this.repeated++;
      return;
    }
    if (this.#remembered >= MAX_REMEMBERED_PAIRS) {
      this.exact = false;
      return;
    }
    if (!friends) this.#seen.set(from, (friends = new Set()));
    friends.add(to);
    this.#remembered++;
  }
}

/** Reads the whole file; `onRow` gets each bad row in line order; `plan` counts the job's calls. */
export async function validateFile(
  path: string,
  format: SourceFormat,
  onRow: (row: ReportRow) => void | Promise<void>,
  plan?: PlanCounter,
): Promise<Omit<DryRunSummary, 'reportJsonl' | 'reportCsv'>> {
  const users = new Set<string>();
  let lines = 0;
  let items = 0;
  let valid = 0;
  let rejected = 0;
  const pairs = new RepeatedPairs();
  for await (const { record } of readRecords(path, format, START)) {
    lines++;
    items += record.itemCount;
    const from = record.fromAccount;
    const sent = from !== undefined ? record.items.map(({ item }) => item.To_Account) : [];
    if (from !== undefined && sent.length > 0) {
      users.add(from);
      valid += sent.length;
      for (const to of sent) pairs.add(from, to);
    }
    plan?.add({ fromAccount: from, itemCount: record.itemCount, toAccounts: sent });
    for (const row of record.rejections) {
      rejected++;
      await onRow(row);
    }
  }
  return {
    dryRun: true,
    file: path,
    format,
    lines,
    users: users.size,
    items,
    valid,
    rejected,
    failedByCode: rejected > 0 ? { rejected } : {},
    repeatedPairs: pairs.repeated,
    repeatedPairsExact: pairs.exact,
  };
}

async function openStream(path: string): Promise<WriteStream> {
  await mkdir(dirname(path), { recursive: true });
  const stream = createWriteStream(path);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return stream;
}

function write(stream: WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.write(text)) resolve();
    else stream.once('drain', resolve).once('error', reject);
  });
}

/** The report's two files, written as rows arrive (the same columns as a job's report). */
export async function openReport(jsonl: string, csv: string) {
  const j = await openStream(jsonl);
  const c = await openStream(csv);
  await write(c, stringify([], { header: true, columns: [...REPORT_COLUMNS] }));
  return {
    row: async (r: ReportRow): Promise<void> => {
      await write(j, `${JSON.stringify(r)}\n`);
      await write(c, stringify([REPORT_COLUMNS.map((k) => String(r[k]))]));
    },
    close: async (): Promise<void> => {
      await Promise.all([j, c].map((s) => new Promise<void>((resolve) => s.end(resolve))));
    },
  };
}

/**
 * One user's items (`friend-import user`) checked as the dry run checks a JSONL line holding them
 * as one request body, so both say the same about the same item. Returns the From_Account's own
 * problem (then no item can be sent) or one row per bad item, its `line` being the item's index.
 */
export function validateItems(
  fromAccount: string,
  items: readonly unknown[],
): { fromProblem?: string; badItems: ReportRow[] } {
  const check = checkFriendImportBody({ From_Account: fromAccount, AddFriendItem: items });
  if (check.bodyViolations.length > 0)
    return { fromProblem: violationText(check.bodyViolations), badItems: [] };
  const badItems: ReportRow[] = [];
  check.items.forEach((item, i) => {
    if (item.ok) return;
    const to = (items[i] as { To_Account?: unknown } | null)?.To_Account;
    badItems.push({
      line: i,
      fromAccount,
      toAccount: typeof to === 'string' ? to : '',
      code: 'rejected',
      reason: violationText(item.violations),
      kind: 'rejected',
    });
  });
  return { badItems };
}

/** One bad row as a line of text: `line 7: alice → bob: …` (`item 3: …` for `user`'s items). */
export function rowLine(r: ReportRow, unit: 'line' | 'item' = 'line'): string {
  const who = r.fromAccount || r.toAccount ? ` ${r.fromAccount || '?'} → ${r.toAccount || '?'}:` : '';
  return `${unit} ${r.line}:${who} ${r.reason}`;
}
