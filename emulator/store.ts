/**
 * The emulator's state in SQLite (better-sqlite3), on disk or in memory.
 *
 * Friend lists are stored as a per-user log of writes: one row per friend_import call that wrote
 * something (the request body as received, with the indexes of the items that were not applied)
 * and one per removal. Writing a call is then one INSERT of text we already have, instead of one
 * per item, which keeps the emulator far from being the bottleneck; reading a list (friend_get,
 * friendsOf) replays the user's rows, last write wins. What the hot path needs to decide each item
 * (who is already a friend, which groups exist, the sequences) is kept in memory per user, built
 * from the log on first use and bounded by an LRU; accounts are held in memory too.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AddFriendItem } from '../im/schemas.js';
import { FingerprintSet } from './fingerprints.js';

/** Whether an account was imported into this app or belongs to another SDKAppID. */
export type AccountKind = 'local' | 'foreign';

export interface UserState {
  friends: FingerprintSet;
  groups: Set<string>;
  /** Changes with every write to the list (friend_get `StandardSequence`). */
  standardSequence: number;
  /** Changes with every write that carries custom fields (friend_get `CustomSequence`). */
  customSequence: number;
}

export interface StoredFriend {
  item: AddFriendItem;
  /** Import time, Unix seconds (AddTime when the item had none). */
  at: number;
}

/** Above this many cached friend entries, least recently used users are dropped (and reloaded on demand). */
const MAX_CACHED_FRIENDS = 4_000_000;
/** Bits of friend_log.custom: the row carries custom fields; the row is a friend_update (keeps each friend's import time). */
const CUSTOM_ROW = 1;
const UPDATE_ROW = 2;
const SEED_CHUNK = 500;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS accounts (
  user_id TEXT PRIMARY KEY, foreign_app INTEGER NOT NULL, nick TEXT, face_url TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS friend_log (
  id INTEGER PRIMARY KEY, from_account TEXT NOT NULL, at INTEGER NOT NULL,
  put TEXT, skip TEXT, del TEXT, custom INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS friend_log_by_user ON friend_log (from_account, id);
`;

type LogRow = [
  id: number,
  at: number,
  put: string | null,
  skip: string | null,
  del: string | null,
  custom: number,
];

/** The items a log row applies: `put` is a friend_import body, `skip` the indexes it did not apply. */
function appliedItems(put: string, skip: string | null): AddFriendItem[] {
  const items = (JSON.parse(put) as { AddFriendItem: AddFriendItem[] }).AddFriendItem;
  if (skip === null) return items;
  const skipped = new Set(JSON.parse(skip) as number[]);
  return items.filter((_, i) => !skipped.has(i));
}

export class Store {
  readonly #db: Database.Database;
  /** Accounts of this app (flag 0) and of another SDKAppID (flag 1). */
  readonly #accounts = new FingerprintSet(1024);
  readonly #users = new Map<string, UserState>();
  #cachedFriends = 0;
  readonly #sql;

  constructor(file: string | undefined, sdkAppId: number) {
    if (file) mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file ?? ':memory:');
    this.#db = db;
    if (file) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('cache_size = -65536');
    }
    db.exec(SCHEMA);
    const owner = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'sdkappid'").get();
    if (owner && owner.value !== String(sdkAppId)) {
      db.close();
      throw new Error(`${file} holds the state of SDKAppID ${owner.value}, not ${sdkAppId}`);
    }
    if (!owner) db.prepare("INSERT INTO meta (key, value) VALUES ('sdkappid', ?)").run(String(sdkAppId));
    const upsertAccount = `INSERT INTO accounts (user_id, foreign_app, nick, face_url) VALUES `;
    const onConflict = ` ON CONFLICT (user_id) DO UPDATE SET foreign_app = excluded.foreign_app`;
    this.#sql = {
      seedOne: db.prepare<[string, number]>(`${upsertAccount}(?, ?, NULL, NULL)${onConflict}`),
      seedMany: db.prepare(
        `${upsertAccount}${Array(SEED_CHUNK).fill('(?, ?, NULL, NULL)').join(', ')}${onConflict}`,
      ),
      importAccount: db.prepare<[string, string | null, string | null]>(
        `${upsertAccount}(?, 0, ?, ?)${onConflict}, nick = coalesce(excluded.nick, nick), face_url = coalesce(excluded.face_url, face_url)`,
      ),
      log: db.prepare<[string], LogRow>(
        'SELECT id, at, put, skip, del, custom FROM friend_log WHERE from_account = ? ORDER BY id',
      ),
      append: db.prepare<[string, number, string | null, string | null, string | null, number]>(
        'INSERT INTO friend_log (from_account, at, put, skip, del, custom) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      clear: db.prepare<[string]>('DELETE FROM friend_log WHERE from_account = ?'),
    };
    this.#sql.log.raw(true);
    const all = db.prepare<[], [string, number]>('SELECT user_id, foreign_app FROM accounts').raw(true);
    for (const [id, foreign] of all.iterate()) this.#accounts.add(id, foreign ? 1 : 0);
  }

  // ------------------------------------------------------------------ accounts

  accountKind(userId: string): AccountKind | undefined {
    const flag = this.#accounts.flag(userId);
    return flag === undefined ? undefined : flag === 1 ? 'foreign' : 'local';
  }

  /** Inserts (or re-labels) accounts in one transaction; fast enough for hundreds of thousands. */
  seedAccounts(ids: readonly string[], foreign: boolean): void {
    const flag = foreign ? 1 : 0;
    const { seedOne, seedMany } = this.#sql;
    this.#db.transaction(() => {
      let i = 0;
      const params: (string | number)[] = [];
      for (; i + SEED_CHUNK <= ids.length; i += SEED_CHUNK) {
        params.length = 0;
        for (let j = i; j < i + SEED_CHUNK; j++) params.push(ids[j] as string, flag);
        seedMany.run(params);
      }
      for (; i < ids.length; i++) seedOne.run(ids[i] as string, flag);
    })();
    for (const id of ids) this.#accounts.add(id, flag);
  }

  /** account_import: the account now belongs to this app (a foreign label is replaced). */
  importAccount(userId: string, nick?: string, faceUrl?: string): void {
    this.#sql.importAccount.run(userId, nick ?? null, faceUrl ?? null);
    this.#accounts.add(userId, 0);
  }

  // ------------------------------------------------------------------ friends

  /** The in-memory view of a user's list, loaded from the log on first use. */
  user(fromAccount: string): UserState {
    const cached = this.#users.get(fromAccount);
    if (cached) {
      this.#users.delete(fromAccount);
      this.#users.set(fromAccount, cached);
      return cached;
    }
    const state: UserState = {
      friends: new FingerprintSet(),
      groups: new Set(),
      standardSequence: 0,
      customSequence: 0,
    };
    for (const [id, , put, skip, del, custom] of this.#sql.log.iterate(fromAccount)) {
      state.standardSequence = id;
      if (custom & CUSTOM_ROW) state.customSequence = id;
      if (put) for (const item of appliedItems(put, skip)) addToState(state, item);
      if (del) for (const to of JSON.parse(del) as string[]) state.friends.delete(to);
    }
    this.#users.set(fromAccount, state);
    this.#cachedFriends += state.friends.size;
    this.#evict(fromAccount);
    return state;
  }

  /**
   * Writes the `accepted` items of a friend_import call as one log row: `body` is the request body
   * as received and `skipped` the indexes of its items that were not accepted.
   */
  put(
    fromAccount: string,
    body: string,
    skipped: readonly number[],
    accepted: readonly AddFriendItem[],
    at: number,
  ): void {
    const state = this.user(fromAccount);
    let custom = 0;
    for (const item of accepted) if (item.CustomItem && item.CustomItem.length > 0) custom = 1;
    const skip = skipped.length > 0 ? JSON.stringify(skipped) : null;
    const { lastInsertRowid } = this.#sql.append.run(fromAccount, at, body, skip, null, custom);
    const id = Number(lastInsertRowid);
    state.standardSequence = id;
    if (custom) state.customSequence = id;
    const before = state.friends.size;
    for (const item of accepted) addToState(state, item);
    this.#cachedFriends += state.friends.size - before;
    this.#evict(fromAccount);
  }

  /** The user's friends in first-import order, each with its latest fields. */
  friends(fromAccount: string): Map<string, StoredFriend> {
    const out = new Map<string, StoredFriend>();
    for (const [, at, put, skip, del, custom] of this.#sql.log.iterate(fromAccount)) {
      if (put)
        for (const item of appliedItems(put, skip)) {
          const prev = custom & UPDATE_ROW ? out.get(item.To_Account) : undefined;
          out.set(item.To_Account, { item, at: prev?.at ?? at });
        }
      if (del) for (const to of JSON.parse(del) as string[]) out.delete(to);
    }
    return out;
  }

  /**
   * friend_update: `items` are existing friends with their new fields, whole (as friend_get will
   * show them), written as one log row; each friend keeps its import time.
   */
  update(fromAccount: string, items: readonly AddFriendItem[], at: number): void {
    if (items.length === 0) return;
    const state = this.user(fromAccount);
    const custom = items.some((i) => i.CustomItem && i.CustomItem.length > 0) ? CUSTOM_ROW : 0;
    const body = JSON.stringify({ AddFriendItem: items });
    const { lastInsertRowid } = this.#sql.append.run(fromAccount, at, body, null, null, custom | UPDATE_ROW);
    state.standardSequence = Number(lastInsertRowid);
    if (custom) state.customSequence = state.standardSequence;
    for (const item of items) addToState(state, item);
  }

  /**
   * friend_delete: removes `toAccounts` from the user's list (one log row); `both` also removes the
   * user from each of their lists. Accounts not in a list are left alone.
   */
  remove(fromAccount: string, toAccounts: readonly string[], both: boolean, at: number): void {
    const removeFrom = (user: string, gone: readonly string[]): void => {
      const state = this.user(user);
      const present = [...new Set(gone)].filter((to) => state.friends.has(to));
      if (present.length === 0) return;
      const { lastInsertRowid } = this.#sql.append.run(user, at, null, null, JSON.stringify(present), 0);
      for (const to of present) state.friends.delete(to);
      state.standardSequence = Number(lastInsertRowid);
      this.#cachedFriends -= present.length;
    };
    this.#db.transaction(() => {
      removeFrom(fromAccount, toAccounts);
      if (both) for (const to of toAccounts) removeFrom(to, [fromAccount]);
    })();
  }

  /** friend_delete_all: clears the list (and its groups); `both` also removes the user from each friend's list. */
  deleteAll(fromAccount: string, both: boolean, at: number): void {
    const friends = both ? [...this.friends(fromAccount).keys()] : [];
    this.#db.transaction(() => {
      if (both)
        for (const friend of friends) {
          const other = this.user(friend);
          if (!other.friends.has(fromAccount)) continue;
          const removal = JSON.stringify([fromAccount]);
          const { lastInsertRowid } = this.#sql.append.run(friend, at, null, null, removal, 0);
          other.friends.delete(fromAccount);
          other.standardSequence = Number(lastInsertRowid);
          this.#cachedFriends--;
        }
      this.#sql.clear.run(fromAccount);
    })();
    const state = this.#users.get(fromAccount);
    if (!state) return;
    this.#cachedFriends -= state.friends.size;
    state.friends.clear();
    state.groups.clear();
    state.standardSequence = 0;
    state.customSequence = 0;
  }

  #evict(keep: string): void {
    if (this.#cachedFriends <= MAX_CACHED_FRIENDS) return;
    for (const [user, state] of this.#users) {
      if (this.#cachedFriends <= MAX_CACHED_FRIENDS) break;
      if (user === keep) continue;
      this.#users.delete(user);
      this.#cachedFriends -= state.friends.size;
    }
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

function addToState(state: UserState, item: AddFriendItem): void {
  state.friends.add(item.To_Account);
  if (item.GroupName) for (const g of item.GroupName) state.groups.add(g);
}
