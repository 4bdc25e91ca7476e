/**
 * A sync's plan (docs/cli.md, `sync`), one part at a time: the users whose UserID hashes to the
 * part are read from both snapshots (or from the new one and the service), compared user by user
 * (core/syncDiff.ts), and written as three plan files, one per kind of write, each a valid
 * friend_import JSONL file with one line per user. A part's memory holds its users' pairs, so the
 * number of parts grows with the snapshots' size; a part done again replaces its files whole.
 *
 * The new snapshot's rejected rows go to the job's outcome files as an import's do, and their
 * pairs are never deleted: a row the plan could not read says nothing about the pair.
 */
import type { LineOutcome, ReportRow, SourceFormat } from '../core/jobTypes.js';
import type { AddFriendItem } from '../im/schemas.js';
import { callsFor, diffUser, userPart } from '../core/syncDiff.js';
import { expectedValues } from '../core/verifyCompare.js';
import type { FieldValues } from '../core/verifyTypes.js';
import {
  addPairCounts,
  emptyPairCounts,
  SYNC_OPS,
  type PlanSegment,
  type SyncOp,
  type SyncPairCounts,
} from '../core/syncTypes.js';
import { MAX_ITEMS_PER_CALL } from '../im/schemas.js';
import { MAX_DELETE_ACCOUNTS_PER_CALL } from '../im/friendDeleteSchemas.js';
import { writeOutcomes } from './importReport.js';
import { readRecords, START } from './source/stream.js';
import { sourceStat } from './source/identity.js';
import { joinLocation, writeWhole } from './storage/files.js';

/** Bytes of snapshot per part: a part's maps stay within a couple of hundred MB. */
export const PLAN_PART_BYTES = 64 * 1024 * 1024;

/** Users whose friend lists the service form reads at once. */
const SERVICE_READS_AT_ONCE = 16;

/** The page number a plan's rejections are filed under (the sync's write pages start at 1). */
const PLAN_OUTCOME_PAGE = 0;

export interface PlanPartOptions {
  source: { path: string; format: SourceFormat };
  /** The older snapshot; absent: the service's lists, read by `readService` for each user. */
  base?: { path: string; format: SourceFormat };
  readService?: (fromAccount: string) => Promise<Map<string, FieldValues>>;
  deleteRemoved: boolean;
  planDir: string;
  /** Where the rejections go (the job's report folder); absent: nowhere (a dry run). */
  reportDir?: string;
  part: number;
  parts: number;
  updateBatch: number;
  importBatch?: number;
  /** Called now and then while reading, with the lines read so far (for heartbeats). */
  onProgress?: (linesRead: number) => void;
  /** A dry run counts and writes no plan file. */
  dryRun?: boolean;
}

export interface PlanPartResult {
  counts: SyncPairCounts;
  segments: PlanSegment[];
}

/** How many parts a sync of these snapshots is planned in. */
export async function planParts(paths: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const p of paths) bytes += (await sourceStat(p)).size;
  return Math.max(1, Math.ceil(bytes / PLAN_PART_BYTES));
}

export const planFile = (planDir: string, part: number, op: SyncOp): string =>
  joinLocation(planDir, `part-${String(part).padStart(3, '0')}-${op}.jsonl`);

export async function planPart(o: PlanPartOptions): Promise<PlanPartResult> {
  let linesRead = 0;
  const tick = (): void => {
    if (++linesRead % 5_000 === 0) o.onProgress?.(linesRead);
  };
  const mine = (from: string): boolean => userPart(from, o.parts) === o.part;

  // The new snapshot: each user's pairs (the last row for a pair wins), and its rejected rows.
  const next = new Map<string, Map<string, AddFriendItem>>();
  const unreadable = new Map<string, Set<string>>();
  const rejections: LineOutcome[] = [];
  for await (const { record } of readRecords(o.source.path, o.source.format, START)) {
    tick();
    const from = record.fromAccount ?? '';
    if (!mine(from)) continue;
    if (record.rejections.length > 0) {
      rejections.push(rejectedLine(record.line, from, record.rejections));
      for (const r of record.rejections) {
        if (!unreadable.has(r.fromAccount)) unreadable.set(r.fromAccount, new Set());
        unreadable.get(r.fromAccount)?.add(r.toAccount);
      }
    }
    if (!from || record.items.length === 0) continue;
    let pairs = next.get(from);
    if (!pairs) next.set(from, (pairs = new Map<string, AddFriendItem>()));
    for (const { item } of record.items) pairs.set(item.To_Account, item);
  }

  // The base: the older snapshot's pairs by user, or the service's list of each new user.
  const base = new Map<string, Map<string, FieldValues>>();
  if (o.base) {
    for await (const { record } of readRecords(o.base.path, o.base.format, START)) {
      tick();
      const from = record.fromAccount ?? '';
      if (!from || !mine(from) || record.items.length === 0) continue;
      let pairs = base.get(from);
      if (!pairs) base.set(from, (pairs = new Map<string, FieldValues>()));
      for (const { item } of record.items) pairs.set(item.To_Account, expectedValues(item));
    }
  } else if (o.readService) {
    const read = o.readService;
    // Several users' lists at once: each read waits for its own friend_get slot at the app's rate.
    const users = [...next.keys()];
    let at = 0;
    const reader = async (): Promise<void> => {
      while (at < users.length) {
        const from = users[at++] as string;
        tick();
        base.set(from, await read(from));
      }
    };
    await Promise.all(Array.from({ length: Math.min(SERVICE_READS_AT_ONCE, users.length) }, reader));
  }

  const counts = emptyPairCounts();
  counts.rejected = rejections.reduce((n, l) => n + l.failed.length, 0);
  const lines: Record<SyncOp, string[]> = { delete: [], update: [], import: [] };
  const segments: PlanSegment[] = SYNC_OPS.map((op) => ({
    op,
    path: planFile(o.planDir, o.part, op),
    users: 0,
    items: 0,
    minimumCalls: 0,
  }));
  const perCall: Record<SyncOp, number> = {
    delete: MAX_DELETE_ACCOUNTS_PER_CALL,
    update: o.updateBatch,
    import: o.importBatch ?? MAX_ITEMS_PER_CALL,
  };
  const users = new Set([...next.keys(), ...base.keys()]);
  for (const from of users) {
    const had = new Map(base.get(from));
    // A pair whose new row was unreadable is neither removed nor compared.
    for (const to of unreadable.get(from) ?? []) had.delete(to);
    const diff = diffUser(had, next.get(from) ?? new Map(), o.deleteRemoved);
    addPairCounts(counts, diff.counts);
    SYNC_OPS.forEach((op, i) => {
      const items = diff.writes[op];
      const seg = segments[i];
      if (items.length === 0 || !seg) return;
      lines[op].push(JSON.stringify({ From_Account: from, AddFriendItem: items }));
      seg.users++;
      seg.items += items.length;
      seg.minimumCalls += callsFor(items.length, perCall[op]);
    });
  }
  o.onProgress?.(linesRead);

  if (!o.dryRun) {
    for (const op of SYNC_OPS)
      if (lines[op].length > 0)
        await writeWhole(planFile(o.planDir, o.part, op), lines[op].join('\n') + '\n');
    if (o.reportDir && rejections.length > 0)
      await writeOutcomes(o.reportDir, PLAN_OUTCOME_PAGE, o.part + 1, rejections);
  }
  return { counts, segments: segments.filter((s) => s.items > 0) };
}

function rejectedLine(line: number, fromAccount: string, rows: readonly ReportRow[]): LineOutcome {
  return {
    line,
    fromAccount,
    imported: [],
    failed: rows.map((r) => ({ toAccount: r.toAccount, code: r.code, reason: r.reason, kind: r.kind })),
  };
}
