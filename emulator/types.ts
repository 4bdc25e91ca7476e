/** The emulator's public shapes (the programmatic contract others build on). */
import type { FaultPlan } from './faults.js';
import type { RateLimitCode } from './vendor.js';

/** What friend_import does with an item whose To_Account is already a friend of From_Account. */
export const EXISTING_FRIEND_MODES = ['overwrite', 'refuse'] as const;
export type ExistingFriendMode = (typeof EXISTING_FRIEND_MODES)[number];

/** The APIs with their own per-second limit besides friend_import (docs/emulator.md, the rates). */
export const RATE_LIMITED_APIS = [
  'friend_update',
  'friend_delete',
  'account_check',
  'multiaccount_import',
] as const;
export type RateLimitedApi = (typeof RATE_LIMITED_APIS)[number];
/** The per-item code of friend_delete for a To_Account that is not a friend (the vendor names both). */
export const DELETE_NOT_FRIEND_CODES = [31704, 30001] as const;
export type DeleteNotFriendCode = (typeof DELETE_NOT_FRIEND_CODES)[number];

export interface EmulatorOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /**
   * What callers beyond this machine present to use the extras (`Authorization: Bearer <token>`).
   * Listening beyond loopback without one, the emulator makes one up (`Emulator.extrasToken`).
   */
  extrasToken?: string;
  /** Default 0: a free port. */
  port?: number;
  /** SQLite file; default in memory. */
  dbFile?: string;
  sdkAppId: number;
  adminIdentifiers: string[];
  secretKey: string;
  /** friend_import calls per sliding second; default 200; 0 = no limit. */
  rateLimit?: number;
  /** The code answered beyond the rate limit (60007, 60011, 60018 or 60019); default 60007. */
  rateLimitCode?: RateLimitCode;
  /** How long each friend_import write is held before the answer (overlaps observable); default 0. */
  writeLatencyMs?: number;
  /** Words (case-insensitive substrings) that make an item fail with 30005. */
  sensitiveWords?: string[];
  faults?: FaultPlan;
  /** Seeded as imported accounts of this app. */
  accounts?: string[];
  /** Accounts of another SDKAppID (per-item 30002 + Invalid_Account). */
  foreignAccounts?: string[];
  /** Default 3000. */
  maxFriends?: number;
  /** Distinct friend groups per user; default 32. */
  maxGroups?: number;
  /** Default 100. */
  friendGetPageSize?: number;
  /** Keep a log of friend_import calls (for tests). */
  recordCalls?: boolean;
  /** Largest accepted request body; default 1 MiB (larger → 60002). */
  maxBodyBytes?: number;
  /**
   * An item whose To_Account is already a friend: 'overwrite' (default) replaces the stored
   * friend and answers 0; 'refuse' answers per-item 30001 `Err_SNS_FriendImport_Already_Friend`,
   * lists it in Fail_Account and leaves the stored friend as it was.
   */
  existingFriend?: ExistingFriendMode;
  /**
   * Calls per sliding second of each API listed, overriding the vendor's rates (friend_update and
   * friend_delete 200, account_check and multiaccount_import 100); 0 = no limit.
   */
  apiRateLimits?: Partial<Record<RateLimitedApi, number>>;
  /** Largest UpdateItem count per friend_update call (the vendor states none); default 100. */
  maxUpdateItems?: number;
  /**
   * The custom friend fields configured for the app (e.g. `Tag_SNS_Custom_Level`): friend_update
   * refuses any other with 30001. Default: every well-formed custom tag is configured.
   */
  customTags?: string[];
  /** friend_delete's per-item code for a To_Account that is not a friend; default 31704. */
  deleteNotFriendCode?: DeleteNotFriendCode;
}

/** One friend as stored: the AddFriendItem fields exactly as imported, plus From_Account. */
export interface FriendRow {
  From_Account: string;
  To_Account: string;
  AddSource: string;
  Remark?: string;
  RemarkTime?: number;
  GroupName?: string[];
  AddWording?: string;
  AddTime?: number;
  CustomItem?: { Tag: string; Value: string | number }[];
}

export interface EmulatorStats {
  /** Vendor-route requests (the /__emulator/ extras are not counted). */
  requests: number;
  /** Route path → code ('0' for OK, 'http502' …) → count. Unknown paths count under '(unknown)'. */
  byRoute: Record<string, Record<string, number>>;
  /**
   * Route path → max requests that arrived within any sliding 1000 ms window, for the vendor
   * routes other than friend_import (friend_check, friend_get … each have their own limit).
   */
  maxInAnyWindowByRoute: Record<string, number>;
  /**
   * Route path → requests of the friend writes (friend_update, friend_delete) that arrived while
   * another write (friend_import, friend_update or friend_delete) for the same From_Account was in
   * flight. friend_import's own are `friendImport.overlaps`.
   */
  overlapsByRoute: Record<string, number>;
  friendImport: {
    /** friend_import requests received (every one, whatever the answer). */
    calls: number;
    /** Max friend_import requests that arrived within any sliding 1000 ms window. */
    maxCallsInAnyWindow: number;
    /** Requests that arrived while another write (any friend_import, friend_update, friend_delete) for the same From_Account was in flight. */
    overlaps: number;
    /** The first ≤ 100 From_Accounts that saw an overlap. */
    overlapAccounts: string[];
    rateLimited: number;
    /** friend_import requests in flight right now (From_Account read, answer not yet sent). */
    inFlight: number;
    itemsImported: number;
    itemsFailed: number;
    /** Per-item ResultCode → count ('0' included). */
    itemCodes: Record<string, number>;
  };
}

export interface FriendImportCall {
  /** The request's number since the last stats reset (every request counts, so no gaps). */
  seq: number;
  /** '' when the request was refused before its body was read (path, method, query string, body, JSON). */
  fromAccount: string;
  toAccounts: string[];
  /** Epoch milliseconds (fractional). */
  arrivedAt: number;
  finishedAt: number;
  httpStatus: number;
  errorCode: number;
  itemCodes: Record<string, number>;
  /** The injected fault, e.g. 'error:30006', 'http:502', 'slow:12000', 'items'. */
  fault?: string;
  /** The client closed the connection before the answer was sent. */
  aborted?: boolean;
}

export interface Emulator {
  /** e.g. 'http://127.0.0.1:41234/' (ImClient baseUrl). */
  baseUrl: string;
  port: number;
  /** The extras token, when one was given or the emulator listens beyond loopback. */
  extrasToken?: string;
  stats(): EmulatorStats;
  resetStats(): void;
  setFaults(plan: FaultPlan | undefined): void;
  /** Fast direct insert (bench with 600k accounts). */
  seedAccounts(ids: string[], options?: { foreign?: boolean }): void;
  /** Direct state read for assertions (fields as stored). */
  friendsOf(fromAccount: string): FriendRow[];
  /** When recordCalls. */
  calls(): FriendImportCall[];
  close(): Promise<void>;
}
