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
import {
  APIS,
  get,
  HANDOVER_MARGIN_MS,
  ownerOf,
  WINDOW_MS,
  ZERO,
  type CoordinatorState,
  type Holder,
  type LeaseRequest,
  type LeaseResponse,
} from './state.js';
import { allocate, fairShares, refreshCapacity } from './shares.js';

/** How often a blanket's holder checks whether others wait. */
const BLANKET_POLL_MS = 3_000;

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
