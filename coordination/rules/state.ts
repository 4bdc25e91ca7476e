/**
 * What the app coordinator knows (docs/architecture.md, one writer per user and the app-wide rate):
 * the holders, who owns which user, who waits, what cools down, the app's rates; and the request
 * and answer a holder exchanges with it. The rules that change it are in leases.ts (users, epochs,
 * the blanket) and shares.ts (the rate).
 */

export const APIS = [
  'friend_import',
  'friend_check',
  'friend_get',
  'friend_update',
  'friend_delete',
  'account_check',
  'multiaccount_import',
] as const;
export type Api = (typeof APIS)[number];
export type Rates = Partial<Record<Api, number>>;

/** One second: the service counts calls per second. */
export const WINDOW_MS = 1_000;
/** Margin on top of every window hand-over, for the service's clock and scheduling slips. */
export const HANDOVER_MARGIN_MS = 250;

export interface LeaseRequest {
  holder: string;
  /** Increases with every new incarnation of the holder (a page number and attempt). */
  generation: number;
  /** Increases with every request of one generation; a repeated one gets the recorded answer. */
  seq: number;
  ttlMs: number;
  /** The app's rates as this holder is configured (the coordinator uses the lowest of live holders). */
  capacity: Rates;
  /** How much of each rate this holder could use now (0 or absent: none). */
  want: Rates;
  /** The rates the holder's own window has drained down to (after being asked to shrink). */
  bound?: Rates;
  acquire?: string[];
  release?: string[];
  /** `epoch`: this incarnation makes no more calls (the holder goes on); `holder`: done, give back everything. */
  end?: 'epoch' | 'holder';
  /** Wants the blanket (see above) when it is free. */
  blanket?: boolean;
  /** Gives the blanket up, keeping `inUse` as its own users. */
  dropBlanket?: boolean;
  inUse?: string[];
  /**
   * The holder asks, between requests, whether one is due (coordination/rules/attention.ts): it needs no
   * frequent polls, only renewals of its lease.
   */
  peeks?: boolean;
}

export interface LeaseResponse {
  seq: number;
  /** Users this holder holds now that it did not hold before (acquired now, or its turn came). */
  granted: string[];
  /** Users still held by others, this holder queued for them. */
  waiting: string[];
  /** Users this holder holds that others wait for: release them as soon as they are done. */
  wanted: string[];
  /** The rate of each API this holder may use from now on. */
  share: Rates;
  /** Start no call until this long after the answer arrived (an earlier epoch may still be calling). */
  holdMs: number;
  /** When to ask again at the latest (sooner while waiting, shrinking or being waited for). */
  pollMs: number;
  /** Set when a newer epoch of the holder replaced this one: stop calling now. */
  revoked?: string;
  /** This holder holds the blanket: every user no one else holds is its own. */
  blanket?: boolean;
  /** Others wait for users: name the ones in use and give the blanket up (`dropBlanket`), now. */
  convert?: boolean;
}

export interface Holder {
  id: string;
  generation: number;
  lastSeq: number;
  lastResponse?: LeaseResponse;
  ttlMs: number;
  /** Coordinator time after which the holder can no longer be calling under its lease. */
  validUntil: number;
  /** Its current epoch ended cleanly: no call of it is in flight. */
  ended: boolean;
  capacity: Rates;
  want: Rates;
  /** Upper bound of what it may be using, per API. */
  allocated: Rates;
  /** Users granted while it was not asking (its turn came in a queue), told at its next request. */
  untold: string[];
  /** It has asked for users or for the blanket (a verify job's pages never do: they only read). */
  writer?: boolean;
}

export interface CoordinatorState {
  holders: Record<string, Holder>;
  /** user → holder. */
  owners: Record<string, string>;
  /** user → holders waiting for it, first come first served. */
  queues: Record<string, string[]>;
  /**
   * Rates and users given up that become free at `until`; meanwhile the users belong to a
   * tombstone owner (`~holder@generation`), so a waiter keeps its place and a new incarnation of the
   * same holder cannot take them back early.
   */
  cooling: { until: number; rates: Rates; tombstone?: string }[];
  /** The app's rates last seen (kept when no holder is live). */
  capacity: Rates;
  /** Who holds the blanket (or its tombstone while its holder's last calls may still land). */
  blanket?: string;
  /** Someone waits for a user the blanket covers: its holder must convert. */
  blanketContended?: boolean;
}

export function newCoordinatorState(): CoordinatorState {
  return { holders: {}, owners: {}, queues: {}, cooling: [], capacity: {} };
}

/** Who owns a user: its named owner, else the blanket's holder (or tombstone), else no one. */
export function ownerOf(s: CoordinatorState, user: string): string | undefined {
  return s.owners[user] ?? s.blanket;
}

export const ZERO: Rates = {};
export const get = (r: Rates | undefined, api: Api): number => r?.[api] ?? 0;

/** Holders that have not expired (coordinator time `now`). */
export function liveHolders(s: CoordinatorState): Holder[] {
  return Object.values(s.holders);
}
