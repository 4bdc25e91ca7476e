/**
 * The app coordinator's state machine (docs/architecture.md, one writer per user and the app-wide
 * rate). Everything that writes to the IM app — a bulk job's page, a worker process running
 * service-path calls — is a *holder*: it leases the users it writes for (one holder per user at a
 * time, waiters served first come, first served) and a share of each API's rate (max-min fair
 * among holders, never more than the app's rate in total). Pure: AppCoordinatorWorkflow applies
 * requests to this state; tests drive it directly.
 *
 * Safety rules, each needed for one failure:
 * - A lease is valid for `ttlMs` from the moment the holder *sent* the request that renewed it;
 *   the coordinator counts from when it *received* it, so the holder's view always ends first.
 *   A holder never starts a call that could outlive its lease.
 * - What a holder gave up (its users, its rate) passes to others only one window after it can
 *   no longer be in use: a released rate cools for one window (a call counts in the service's
 *   1-second windows until it is answered), an expired holder's users and rate wait one window
 *   past its lease.
 * - A holder that must shrink its share keeps counting at the old share until it reports that its
 *   own window has drained to the new one; only then is the difference free.
 * - A new incarnation (epoch) of a holder, such as a page's retry on another worker, takes over
 *   the users and rate of the old one, but holds its calls until the old one's lease has run out,
 *   unless the old one ended cleanly; requests from a replaced epoch are answered `revoked`.
 *
 * The blanket: a bulk job alone in the app would otherwise ask for every user it meets. A writer
 * alone in the app (no other live holder that writes, no one waiting) that asks for it gets the
 * *blanket*: it holds every user no one else holds, without naming them. The first request of anyone else for a user makes
 * the coordinator ask the blanket's holder to convert: it names the users it is working with
 * (they stay its own) and gives the blanket up, and only then are the others served.
 */

export const APIS = ['friend_import', 'friend_check', 'friend_get'] as const;
export type Api = (typeof APIS)[number];
export type Rates = Partial<Record<Api, number>>;

/** How often a blanket's holder checks whether others wait. */
const BLANKET_POLL_MS = 3_000;

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
   * The holder asks, between requests, whether one is due (core/attention.ts): it needs no
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

interface Holder {
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
function ownerOf(s: CoordinatorState, user: string): string | undefined {
  return s.owners[user] ?? s.blanket;
}

const ZERO: Rates = {};
const get = (r: Rates | undefined, api: Api): number => r?.[api] ?? 0;

/** Holders that have not expired (coordinator time `now`). */
function liveHolders(s: CoordinatorState): Holder[] {
  return Object.values(s.holders);
}

/** Applies one request at coordinator time `now` and returns the answer. */
export function applyLeaseRequest(s: CoordinatorState, req: LeaseRequest, now: number): LeaseResponse {
  expire(s, now);
  const existing = s.holders[req.holder];
  if (existing && req.generation < existing.generation)
    return revokedAnswer(req, `replaced by a newer incarnation (${existing.generation})`);
  if (
    existing &&
    req.generation === existing.generation &&
    req.seq <= existing.lastSeq &&
    existing.lastResponse
  )
    return existing.lastResponse;

  let holdMs = 0;
  let h = existing;
  if (!h) {
    h = {
      id: req.holder,
      generation: req.generation,
      lastSeq: 0,
      ttlMs: req.ttlMs,
      validUntil: now + req.ttlMs,
      ended: false,
      capacity: req.capacity,
      want: req.want,
      allocated: {},
      untold: [],
    };
    s.holders[h.id] = h;
  } else if (req.generation > h.generation) {
    // A new incarnation: it inherits users and rate, and waits out the old one's lease.
    if (!h.ended) holdMs = Math.max(0, h.validUntil + WINDOW_MS + HANDOVER_MARGIN_MS - now);
    h.generation = req.generation;
    h.lastSeq = 0;
    delete h.lastResponse;
  }
  h.lastSeq = req.seq;
  h.ttlMs = req.ttlMs;
  h.validUntil = Math.max(h.validUntil, now + req.ttlMs);
  h.ended = false;
  h.capacity = req.capacity;
  h.want = req.want;
  if (req.blanket || (req.acquire?.length ?? 0) > 0) h.writer = true;
  for (const api of APIS) {
    const bound = req.bound?.[api];
    if (bound !== undefined && bound < get(h.allocated, api)) h.allocated[api] = Math.max(0, bound);
  }
  refreshCapacity(s);

  if (req.dropBlanket && s.blanket === h.id) {
    for (const user of req.inUse ?? []) if (s.owners[user] === undefined) s.owners[user] = h.id;
    s.blanket = undefined;
    s.blanketContended = false;
    serveQueues(s);
  }
  const granted = [...h.untold];
  h.untold = [];
  const waiting: string[] = [];
  for (const user of req.release ?? []) releaseUser(s, h, user, now, holdMs);
  for (const user of req.acquire ?? []) {
    const owner = ownerOf(s, user);
    if (owner === h.id) {
      if (!granted.includes(user)) granted.push(user);
    } else if (owner === undefined && !(s.queues[user]?.length ?? 0)) {
      s.owners[user] = h.id;
      granted.push(user);
    } else {
      const queue = (s.queues[user] ??= []);
      if (!queue.includes(h.id)) queue.push(h.id);
      waiting.push(user);
      if (s.owners[user] === undefined && s.blanket) s.blanketContended = true;
    }
  }
  if (
    req.blanket &&
    !s.blanket &&
    Object.values(s.holders).every((o) => o === h || !o.writer) &&
    Object.keys(s.queues).length === 0 &&
    Object.values(s.owners).every((o) => o === h.id)
  ) {
    // Alone: its named users are covered by the blanket from now on. Not beside another writer,
    // even an idle one: each of its next users would then wait for a conversion.
    s.blanket = h.id;
    s.owners = {};
  }

  if (req.end === 'holder') {
    endHolder(s, h, now + holdMs);
    const response: LeaseResponse = {
      seq: req.seq,
      granted: [],
      waiting: [],
      wanted: [],
      share: {},
      holdMs,
      pollMs: 0,
    };
    return response;
  }
  if (req.end === 'epoch') h.ended = true;

  const share = allocate(s, h, now);
  const wanted = Object.entries(s.owners)
    .filter(([user, owner]) => owner === h.id && (s.queues[user]?.length ?? 0) > 0)
    .map(([user]) => user);
  const stillWaiting = Object.entries(s.queues)
    .filter(([, q]) => q.includes(h.id))
    .map(([user]) => user);
  const shrinking = APIS.some((api) => get(h.allocated, api) > get(share, api));
  const starved = APIS.some(
    (api) => get(share, api) < Math.min(get(h.want, api), fairShares(s)[h.id]?.[api] ?? 0),
  );
  const busy = stillWaiting.length > 0 || wanted.length > 0 || shrinking || starved;
  const blanket = s.blanket === h.id;
  const convert = blanket && s.blanketContended === true;
  const response: LeaseResponse = {
    seq: req.seq,
    granted,
    waiting: stillWaiting.length > waiting.length ? stillWaiting : waiting,
    wanted,
    share,
    holdMs,
    // A blanket's holder asks often enough that others are not kept waiting long, unless it
    // peeks: then it hears of them within a fraction of a second and polls only to renew.
    pollMs: req.peeks
      ? Math.max(500, Math.floor(req.ttlMs / 4))
      : busy
        ? 500
        : blanket
          ? BLANKET_POLL_MS
          : Math.max(500, Math.floor(req.ttlMs / 4)),
    ...(blanket && { blanket: true }),
    ...(convert && { convert: true }),
  };
  h.lastResponse = response;
  return response;
}

function revokedAnswer(req: LeaseRequest, why: string): LeaseResponse {
  return {
    seq: req.seq,
    granted: [],
    waiting: [],
    wanted: [],
    share: {},
    holdMs: 0,
    pollMs: 0,
    revoked: why,
  };
}

/** Frees (or, while an old epoch may still be calling, defers) one user the holder gives back. */
function releaseUser(s: CoordinatorState, h: Holder, user: string, now: number, holdMs: number): void {
  const queue = s.queues[user];
  if (queue?.includes(h.id)) {
    s.queues[user] = queue.filter((id) => id !== h.id);
    if (s.queues[user]?.length === 0) delete s.queues[user];
  }
  if (s.owners[user] !== h.id) return;
  if (holdMs > 0) {
    const tombstone = tombstoneOf(h);
    s.owners[user] = tombstone;
    s.cooling.push({ until: now + holdMs, rates: ZERO, tombstone });
    return;
  }
  handOver(s, user);
}

/** Queued users that no one owns any more go to the first live holder waiting for each. */
function serveQueues(s: CoordinatorState): void {
  for (const user of Object.keys(s.queues)) if (ownerOf(s, user) === undefined) handOver(s, user);
}

/** The user is free: the first live holder waiting for it gets it (and is told at its next request). */
function handOver(s: CoordinatorState, user: string): void {
  delete s.owners[user];
  const queue = s.queues[user];
  while (queue && queue.length > 0) {
    const next = s.holders[queue.shift() ?? ''];
    if (!next) continue;
    s.owners[user] = next.id;
    next.untold.push(user);
    break;
  }
  if (queue?.length === 0) delete s.queues[user];
}

const tombstoneOf = (h: Holder): string => `~${h.id}@${h.generation}`;

/** Removes a holder; its users and rate become free one window after `freeAt`. */
function endHolder(s: CoordinatorState, h: Holder, freeAt: number): void {
  const tombstone = tombstoneOf(h);
  for (const [user, owner] of Object.entries(s.owners)) if (owner === h.id) s.owners[user] = tombstone;
  if (s.blanket === h.id) s.blanket = tombstone;
  for (const [user, queue] of Object.entries(s.queues)) {
    if (!queue.includes(h.id)) continue;
    s.queues[user] = queue.filter((id) => id !== h.id);
    if (s.queues[user]?.length === 0) delete s.queues[user];
  }
  s.cooling.push({ until: freeAt + WINDOW_MS + HANDOVER_MARGIN_MS, rates: { ...h.allocated }, tombstone });
  delete s.holders[h.id];
}

/** Drops holders whose lease ran out and frees what has cooled down. */
function expire(s: CoordinatorState, now: number): void {
  for (const h of Object.values(s.holders)) if (h.validUntil <= now) endHolder(s, h, h.validUntil);
  const ready = new Set(s.cooling.filter((c) => c.until <= now && c.tombstone).map((c) => c.tombstone));
  s.cooling = s.cooling.filter((c) => c.until > now);
  if (ready.size === 0) return;
  // A tombstone whose entries have not all cooled keeps its users until the last one has.
  for (const c of s.cooling) if (c.tombstone) ready.delete(c.tombstone);
  for (const [user, owner] of Object.entries(s.owners)) if (ready.has(owner)) handOver(s, user);
  if (s.blanket !== undefined && ready.has(s.blanket)) {
    s.blanket = undefined;
    s.blanketContended = false;
    serveQueues(s);
  }
}

function refreshCapacity(s: CoordinatorState): void {
  const live = liveHolders(s);
  for (const api of APIS) {
    const declared = live.map((h) => h.capacity[api]).filter((v): v is number => v !== undefined && v > 0);
    if (declared.length > 0) s.capacity[api] = Math.min(...declared);
  }
}

/**
 * Max-min fair shares of each API's rate among live holders, by what each wants; what no one
 * wants is shared out the same way among those that want some, so a holder alone gets the whole
 * rate whatever it asked for (it gives the surplus back, by the shrink rule, when others come).
 */
export function fairShares(s: CoordinatorState): Record<string, Rates> {
  const out: Record<string, Rates> = {};
  const live = liveHolders(s);
  for (const h of live) out[h.id] = {};
  for (const api of APIS) {
    const capacity = get(s.capacity, api);
    const wants = live.map((h) => ({ id: h.id, want: get(h.want, api) })).filter((w) => w.want > 0);
    const shares = waterFill(capacity, wants);
    const left = capacity - Object.values(shares).reduce((a, b) => a + b, 0);
    if (left > 0) {
      const more = waterFill(
        left,
        wants.map((w) => ({ id: w.id, want: capacity - (shares[w.id] ?? 0) })),
      );
      for (const [id, extra] of Object.entries(more)) shares[id] = (shares[id] ?? 0) + extra;
    }
    for (const [id, share] of Object.entries(shares)) {
      const rates = out[id];
      if (rates) rates[api] = share;
    }
  }
  return out;
}

/** Gives each claimant min(its want, λ), with λ such that the shares add up to `capacity` (or all wants). */
export function waterFill(capacity: number, wants: { id: string; want: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  let left = capacity;
  const sorted = [...wants].sort((a, b) => a.want - b.want || (a.id < b.id ? -1 : 1));
  sorted.forEach((w, i) => {
    const level = left / (sorted.length - i);
    const share = Math.min(w.want, level);
    out[w.id] = share;
    left -= share;
  });
  return out;
}

/** Rate not allocated to anyone and not cooling, per API. */
export function freeRates(s: CoordinatorState, now: number): Rates {
  const out: Rates = {};
  for (const api of APIS) {
    let used = 0;
    for (const h of Object.values(s.holders)) used += get(h.allocated, api);
    for (const c of s.cooling) if (c.until > now) used += get(c.rates, api);
    out[api] = Math.max(0, get(s.capacity, api) - used);
  }
  return out;
}

/**
 * Moves the holder's allocation toward its fair share: up from free rate, never down (a holder
 * shrinks by reporting `bound`); returns what it may use now.
 */
function allocate(s: CoordinatorState, h: Holder, now: number): Rates {
  const fair = fairShares(s)[h.id] ?? {};
  const free = freeRates(s, now);
  const share: Rates = {};
  for (const api of APIS) {
    const target = get(fair, api);
    const have = get(h.allocated, api);
    if (have < target) h.allocated[api] = have + Math.min(target - have, get(free, api));
    const usable = Math.min(get(h.allocated, api), target);
    if (usable > 0) share[api] = usable;
    if (get(h.allocated, api) === 0) delete h.allocated[api];
  }
  return share;
}
