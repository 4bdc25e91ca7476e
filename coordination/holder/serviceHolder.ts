/**
 * The user imports' holder: one per worker process, shared by every friendImport call the process
 * runs (local first tries and activities alike). It leases a user for the length of a call (kept a
 * moment longer, so a user's next batch does not ask again) and a share of the app's rate sized to
 * what its calls use; after a quiet spell it gives everything back, so an idle worker costs the
 * coordinator nothing. Alone in the app it holds the blanket: its users need no request at all.
 */
import { randomUUID } from 'node:crypto';
import type { Api, Rates } from '../rules/state.js';
import { HolderSession } from './holder.js';
import type { LeaseSender } from './transport.js';

interface ServiceHolderOptions {
  send: LeaseSender;
  capacity: Rates;
  /** Names this process in the coordinator's state (the worker identity). */
  identity: string;
  callBudgetMs: number;
  ttlMs?: number;
  /** How long a user stays held after its call (unless another holder waits for it). */
  lingerMs?: number;
  /** Quiet time after which the process gives back its rate share. */
  idleMs?: number;
  onError?: (err: unknown) => void;
}

export class WaitTimeout extends Error {
  override name = 'WaitTimeout';
}

/** The rate asked for covers the calls of the last second and those waiting, with room to grow. */
const HEADROOM = 1.5;
/** Rates are asked for in steps of this much (a request per small change would cost history). */
const RATE_STEP = 10;
/** No call for this long: the rate share goes back to whoever needs it. */
const RATE_IDLE_MS = 2_000;
const RETUNE_MS = 250;

/**
 * What this process's calls of one API need: those of the last second and those waiting now,
 * with headroom, in steps, never above the app's rate; 0 once they stopped for a while.
 */
function rateWanted(startsLastSecond: number, waiting: number, idleMs: number, capacity: number): number {
  if (waiting === 0 && idleMs >= RATE_IDLE_MS) return 0;
  const need = Math.ceil(((startsLastSecond + waiting) * HEADROOM) / RATE_STEP) * RATE_STEP;
  return Math.min(capacity, Math.max(RATE_STEP, need));
}

export class ServiceHolder {
  readonly #o: ServiceHolderOptions;
  readonly #holder: string;
  #generation = 0;
  #session: HolderSession | undefined;
  /** Calls in progress per user (a user is held while any is). */
  readonly #using = new Map<string, number>();
  readonly #lingering = new Map<string, ReturnType<typeof setTimeout>>();
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** friend_import calls waiting for a slot, and when the last second's ones started. */
  #waiting = 0;
  #starts: number[] = [];
  #retuneTimer: ReturnType<typeof setTimeout> | undefined;
  /** Closed at shutdown: no new session (its client is about to close). */
  #closed = false;

  constructor(options: ServiceHolderOptions) {
    this.#o = options;
    this.#holder = `svc:${options.identity}:${randomUUID().slice(0, 8)}`;
  }

  #current(): HolderSession {
    if (this.#closed) throw new WaitTimeout('the worker is shutting down');
    clearTimeout(this.#idleTimer);
    if (!this.#session || this.#session.revoked) {
      this.#session = new HolderSession({
        send: this.#o.send,
        holder: this.#holder,
        generation: ++this.#generation,
        ttlMs: this.#o.ttlMs ?? 30_000,
        capacity: this.#o.capacity,
        // What its first calls need, not the app's whole rate: a job writing at full rate would
        // otherwise halve its pace for a moment (alone, a holder gets the whole rate anyway).
        want: { friend_import: Math.min(RATE_STEP, this.#o.capacity.friend_import ?? 0) },
        callBudgetMs: this.#o.callBudgetMs,
        blanket: true,
        ...(this.#o.onError && { onError: this.#o.onError }),
      });
    }
    return this.#session;
  }

  /** Leases `user` for this process; false when another holder kept it for `maxWaitMs`. */
  async acquireUser(user: string, signal: AbortSignal | undefined, maxWaitMs: number): Promise<boolean> {
    const session = this.#current();
    this.#using.set(user, (this.#using.get(user) ?? 0) + 1);
    const linger = this.#lingering.get(user);
    if (linger) {
      clearTimeout(linger);
      this.#lingering.delete(user);
    }
    if (session.holds(user)) return true;
    session.acquire([user]);
    const deadline = performance.now() + maxWaitMs;
    while (!session.holds(user)) {
      signal?.throwIfAborted();
      const left = deadline - performance.now();
      if (left <= 0 || session.revoked) {
        this.releaseUser(user, true);
        return false;
      }
      await new Promise<void>((resolve) => {
        const off = session.onChange(() => {
          off();
          clearTimeout(timer);
          resolve();
        });
        const timer = setTimeout(
          () => {
            off();
            resolve();
          },
          Math.min(left, 1_000),
        );
      });
    }
    return true;
  }

  /** The call for `user` is over: give the user back after the linger time (at once if wanted). */
  releaseUser(user: string, now = false): void {
    const left = (this.#using.get(user) ?? 1) - 1;
    if (left > 0) {
      this.#using.set(user, left);
      return;
    }
    this.#using.delete(user);
    const session = this.#session;
    if (!session) return;
    const give = (): void => {
      this.#lingering.delete(user);
      if (!this.#using.has(user)) session.release([user]);
      this.#maybeIdle();
    };
    if (now || session.isWanted(user) || !session.holds(user)) give();
    else this.#lingering.set(user, setTimeout(give, this.#o.lingerMs ?? 1_000).unref());
  }

  /** Waits for a call slot of `api` (share, lease, window); throws WaitTimeout after `maxWaitMs`. */
  async slot(api: Api, signal: AbortSignal | undefined, maxWaitMs: number): Promise<() => void> {
    const session = this.#current();
    const timeout = AbortSignal.timeout(maxWaitMs);
    const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const counted = api === 'friend_import';
    if (counted) {
      this.#waiting++;
      this.#retune();
    }
    try {
      const done = await session.slot(api, both);
      if (counted) this.#starts.push(performance.now());
      return done;
    } catch (err) {
      if (timeout.aborted && !signal?.aborted)
        throw new WaitTimeout(`no share of the ${api} rate within ${maxWaitMs} ms`);
      throw err;
    } finally {
      if (counted) this.#waiting--;
    }
  }

  /** Asks for the friend_import rate this process's calls need now (see `rateWanted`). */
  #retune(): void {
    const session = this.#session;
    if (!session || session.revoked) return;
    const now = performance.now();
    while ((this.#starts[0] ?? now) < now - 1_000) this.#starts.shift();
    const last = this.#starts[this.#starts.length - 1];
    const idle = last === undefined ? Infinity : now - last;
    const next = rateWanted(this.#starts.length, this.#waiting, idle, this.#o.capacity.friend_import ?? 0);
    // Up at once; down only by half or more (or to nothing): each change is a request.
    const current = session.wanted('friend_import');
    if (next > current || next === 0 || next <= current / 2) session.want('friend_import', next);
    clearTimeout(this.#retuneTimer);
    // Followed while calls come, so that what is asked for shrinks once they stop.
    if (this.#waiting > 0 || idle < RATE_IDLE_MS)
      this.#retuneTimer = setTimeout(() => this.#retune(), RETUNE_MS).unref();
  }

  #maybeIdle(): void {
    if (this.#using.size > 0 || this.#lingering.size > 0) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      const session = this.#session;
      if (!session || this.#using.size > 0 || this.#lingering.size > 0) return;
      this.#session = undefined;
      void session.end('holder').catch((err: unknown) => this.#o.onError?.(err));
    }, this.#o.idleMs ?? 10_000).unref();
  }

  /** Gives everything back (worker shutdown). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#retuneTimer);
    for (const t of this.#lingering.values()) clearTimeout(t);
    this.#lingering.clear();
    const session = this.#session;
    this.#session = undefined;
    // One short try: at shutdown the coordinator may have no worker left; the lease then runs out.
    await session?.end('holder', 1, 1_000).catch((err: unknown) => this.#o.onError?.(err));
  }
}
