/**
 * Who else may have written the users a verify reads while it read them, from the app
 * coordinator's state (coordination/rules/leases.ts). Every import writes only for users it holds there: a bulk
 * job's page holds its users by name or holds the blanket (every user no one else names), a
 * worker's service-path imports hold theirs by name. A verify leases no users (reads need no
 * lease, and leasing would hold the imports up), so it asks the coordinator now and then instead
 * and notes every live holder that held a user it has read. Pure.
 *
 * A holder that ended or whose lease ran out is left out: it starts no call its lease cannot
 * outlive, so nothing of it lands later. Its tombstone only keeps its rate share cooling.
 */
import type { CoordinatorState } from '../coordination/rules/state.js';
import type { WriterSeen } from './verifyTypes.js';

/** The holder name verify pages use at the coordinator. */
export const verifyHolder = (jobId: string): string => `verify:${jobId}`;
const isReader = (holder: string): boolean => holder.startsWith('verify:');

const SAMPLE = 10;
/** Writers listed at most. */
const MAX_WRITERS = 20;

interface WriterObservation {
  holder: string;
  blanket: boolean;
  users: string[];
}

/** The live holders (not verify jobs) that hold users of `users` in `state` at time `now` (ms). */
export function writersIn(
  state: CoordinatorState,
  users: ReadonlySet<string>,
  now: number,
): WriterObservation[] {
  const live = new Set(
    Object.values(state.holders)
      .filter((h) => !isReader(h.id) && h.validUntil > now)
      .map((h) => h.id),
  );
  if (live.size === 0 || users.size === 0) return [];
  const byHolder = new Map<string, WriterObservation>();
  const named = (holder: string): WriterObservation => {
    let o = byHolder.get(holder);
    if (!o) byHolder.set(holder, (o = { holder, blanket: false, users: [] }));
    return o;
  };
  const blanket = state.blanket !== undefined && live.has(state.blanket) ? state.blanket : undefined;
  for (const user of users) {
    const owner = state.owners[user];
    if (owner !== undefined) {
      if (live.has(owner)) named(owner).users.push(user);
    } else if (blanket !== undefined) {
      const o = named(blanket);
      o.blanket = true;
      o.users.push(user);
    }
  }
  return [...byHolder.values()];
}

function describeHolder(holder: string): Pick<WriterSeen, 'kind' | 'jobId'> {
  if (holder.startsWith('job:')) return { kind: 'job', jobId: holder.slice('job:'.length) };
  if (holder.startsWith('svc:')) return { kind: 'service' };
  return { kind: 'other' };
}

/**
 * The writers one page saw, each user counted once. A retried page carries the previous attempt's
 * figures on (only their sample is named, so a user seen by both attempts may count twice).
 */
export class WriterLog {
  readonly #seen = new Map<string, { blanket: boolean; carried: number; users: Set<string> }>();

  constructor(carried: readonly WriterSeen[] = []) {
    for (const w of carried)
      this.#seen.set(w.holder, {
        blanket: w.blanket,
        carried: w.users - w.sample.length,
        users: new Set(w.sample),
      });
  }

  note(observations: readonly WriterObservation[]): void {
    for (const o of observations) {
      let s = this.#seen.get(o.holder);
      if (!s) this.#seen.set(o.holder, (s = { blanket: false, carried: 0, users: new Set() }));
      if (o.blanket) s.blanket = true;
      for (const u of o.users) s.users.add(u);
    }
  }

  list(): WriterSeen[] {
    return [...this.#seen]
      .map(([holder, s]) => ({
        holder,
        ...describeHolder(holder),
        blanket: s.blanket,
        users: s.users.size + Math.max(0, s.carried),
        sample: [...s.users].slice(0, SAMPLE),
      }))
      .slice(0, MAX_WRITERS);
  }
}

/** A job's writers across its pages (users add up: a user in two pages counts twice). */
export function mergeWriters(a: readonly WriterSeen[], b: readonly WriterSeen[]): WriterSeen[] {
  const out = new Map(a.map((w) => [w.holder, { ...w, sample: [...w.sample] }]));
  for (const w of b) {
    const have = out.get(w.holder);
    if (!have) {
      out.set(w.holder, { ...w, sample: [...w.sample] });
      continue;
    }
    have.blanket ||= w.blanket;
    have.users += w.users;
    have.sample = [...new Set([...have.sample, ...w.sample])].slice(0, SAMPLE);
  }
  return [...out.values()].slice(0, MAX_WRITERS);
}
