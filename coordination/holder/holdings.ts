/**
 * What one holder holds, has asked for and gives back (docs/architecture.md, one writer per user):
 * plain sets that a holder's session changes as its caller asks and gives back and as the
 * coordinator answers. A user goes from asked (`toAcquire`) to sent (`waiting`) to `held`, and
 * back through `toRelease`; under the blanket the users asked for are `covered` at once. Nothing
 * here sends or waits: the session (./holder.ts) does.
 */
import type { LeaseRequest, LeaseResponse } from '../rules/state.js';

interface Holdings {
  /** Users held by name. */
  readonly held: Set<string>;
  /** Holds the blanket: every user no one else holds is ours; `covered` are the ones asked for. */
  blanket: boolean;
  readonly covered: Set<string>;
  /** The coordinator asked us to name the users in use and give the blanket up, with the next request. */
  converting: boolean;
  /** Asked for, not sent yet. */
  readonly toAcquire: Set<string>;
  /** Sent, not granted yet (another holder has them, or the answer is on its way). */
  readonly waiting: Set<string>;
  /** Given back, not sent yet. */
  readonly toRelease: Set<string>;
  /** Users of ours that another holder waits for. */
  othersWant: Set<string>;
}

/** What a request carries of the holdings. */
type Outgoing = Pick<LeaseRequest, 'dropBlanket' | 'inUse' | 'acquire' | 'release'>;

export function noHoldings(): Holdings {
  return {
    held: new Set(),
    blanket: false,
    covered: new Set(),
    converting: false,
    toAcquire: new Set(),
    waiting: new Set(),
    toRelease: new Set(),
    othersWant: new Set(),
  };
}

/** Whether calls for `user` may go: held by name, or asked for under the blanket. */
export function holds(h: Holdings, user: string): boolean {
  return h.held.has(user) || (h.blanket && h.covered.has(user));
}

/** Asks for users: under the blanket they are ours at once, else the next request asks for them. */
export function ask(h: Holdings, users: Iterable<string>): void {
  for (const u of users) {
    if (h.blanket) h.covered.add(u);
    else if (!h.held.has(u) && !h.waiting.has(u)) h.toAcquire.add(u);
  }
}

/**
 * Gives users back (a wait for them too). True when another holder waits for one of them: it goes
 * back now, not with the next gathered request.
 */
export function giveBack(h: Holdings, users: Iterable<string>): boolean {
  let wanted = false;
  for (const u of users) {
    h.covered.delete(u);
    h.toAcquire.delete(u);
    if (h.held.delete(u) || h.waiting.delete(u)) h.toRelease.add(u);
    if (h.othersWant.has(u)) wanted = true;
  }
  return wanted;
}

/** Users asked for and not granted yet. */
export function asking(h: Holdings): boolean {
  return h.toAcquire.size > 0 || h.waiting.size > 0;
}

/** Something asked for or given back that no request has carried yet. */
export function unsent(h: Holdings): boolean {
  return h.toAcquire.size > 0 || h.toRelease.size > 0;
}

/**
 * What an ending holder's last request carries: every user it names goes back; a holder that ends
 * for good gives the blanket up too, naming none in use (every call is over), so the users go to
 * whoever waits at once.
 */
export function lastOutgoing(h: Holdings, kind: 'epoch' | 'holder'): Outgoing {
  const release = [...h.held, ...h.toRelease, ...h.waiting];
  return h.blanket && kind === 'holder' ? { release, dropBlanket: true, inUse: [] } : { release };
}

/** What the next request carries: the users asked for become `waiting` until its answer. */
export function takeOutgoing(h: Holdings): Outgoing {
  const out: Outgoing = {};
  if (h.converting) {
    // Name the users in use and give the blanket up; from now on every user is asked for by name.
    h.converting = false;
    h.blanket = false;
    out.dropBlanket = true;
    out.inUse = [...h.covered];
    for (const u of h.covered) h.held.add(u);
    h.covered.clear();
  }
  const acquire = [...h.toAcquire];
  const release = [...h.toRelease];
  if (acquire.length > 0) out.acquire = acquire;
  if (release.length > 0) out.release = release;
  h.toAcquire.clear();
  h.toRelease.clear();
  for (const u of acquire) h.waiting.add(u);
  return out;
}

/** The request was not sent: what it carried goes with the next one. */
export function putBack(h: Holdings, sent: Outgoing): void {
  for (const u of sent.acquire ?? []) {
    h.waiting.delete(u);
    h.toAcquire.add(u);
  }
  for (const u of sent.release ?? []) h.toRelease.add(u);
}

/** Takes in the coordinator's answer `r` to `request` (one that did not revoke the holder). */
export function takeAnswer(h: Holdings, r: LeaseResponse, request: LeaseRequest): void {
  for (const u of r.granted) {
    h.waiting.delete(u);
    // Released while the request was on its way: it goes back with the next request.
    if (h.toRelease.has(u)) continue;
    h.held.add(u);
  }
  const waiting = new Set(r.waiting);
  for (const u of [...h.waiting]) if (!waiting.has(u) && !h.held.has(u)) h.waiting.delete(u);
  for (const u of waiting) if (!h.held.has(u)) h.waiting.add(u);
  h.othersWant = new Set(r.wanted);
  if (r.blanket && !h.blanket && !request.dropBlanket) {
    // Granted the blanket: what we asked for by name is covered now.
    h.blanket = true;
    for (const u of [...h.held, ...h.waiting, ...h.toAcquire]) h.covered.add(u);
    h.held.clear();
    h.waiting.clear();
    h.toAcquire.clear();
  }
  if (r.convert && h.blanket) h.converting = true;
}
