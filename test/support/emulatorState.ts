/**
 * Reading an emulator's final state from its SQLite file (`--db`) once its process has stopped, and
 * comparing it item by item with what the input must produce. Used by the chaos and bad-input
 * suites and by the benchmarks, where the emulator ran in its own process.
 */
import { startEmulator, type Emulator, type FriendRow } from '../../emulator/index.js';
import { LOCAL_IM_APP } from '../../config/im.js';
import { AddFriendItemSchema, type AddFriendItem } from '../../im/schemas.js';

export interface EmulatorState {
  friendsOf(fromAccount: string): FriendRow[];
  close(): Promise<void>;
}

/** Opens a stopped emulator's state file (read through a fresh in-process emulator on it). */
export async function openEmulatorState(
  dbFile: string,
  app: { sdkAppId: number; adminIdentifier: string; secretKey: string } = LOCAL_IM_APP,
): Promise<EmulatorState> {
  const emulator: Emulator = await startEmulator({
    dbFile,
    sdkAppId: app.sdkAppId,
    adminIdentifiers: [app.adminIdentifier],
    secretKey: app.secretKey,
  });
  return { friendsOf: (from) => emulator.friendsOf(from), close: () => emulator.close() };
}

/** Every field an item may have, in the schema's order (the one definition of an item). */
const FIELDS = Object.keys(AddFriendItemSchema.shape);

/** One item's fields in a fixed order, absent fields left out: equal items give equal strings. */
export function canonicalItem(item: Partial<AddFriendItem> | FriendRow): string {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const v = (item as Record<string, unknown>)[f];
    if (v !== undefined && v !== null) out[f] = v;
  }
  return JSON.stringify(out);
}

export interface StateDiff {
  /** Items expected but absent, or stored with other fields. */
  missing: number;
  /** Friends stored that the input does not produce. */
  unexpected: number;
  /** The first few differences, for the failure message. */
  examples: string[];
}

/** Compares one user's stored friends with exactly the items the input must produce for them. */
export function diffFriends(
  from: string,
  stored: readonly FriendRow[],
  expected: readonly AddFriendItem[],
  into: StateDiff = { missing: 0, unexpected: 0, examples: [] },
): StateDiff {
  const want = new Map(expected.map((i) => [i.To_Account, canonicalItem(i)]));
  const seen = new Set<string>();
  for (const row of stored) {
    seen.add(row.To_Account);
    const w = want.get(row.To_Account);
    if (w === undefined) {
      into.unexpected++;
      if (into.examples.length < 10)
        into.examples.push(`${from} → ${row.To_Account} stored, not in the input`);
    } else if (w !== canonicalItem(row)) {
      into.missing++;
      if (into.examples.length < 10)
        into.examples.push(`${from} → ${row.To_Account} stored as ${canonicalItem(row)}, expected ${w}`);
    }
  }
  for (const to of want.keys())
    if (!seen.has(to)) {
      into.missing++;
      if (into.examples.length < 10) into.examples.push(`${from} → ${to} missing`);
    }
  return into;
}
