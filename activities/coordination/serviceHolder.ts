/**
 * The service path's holder: one per worker process, shared by every friendImport call the process
 * runs. It leases a user for the length of a call (kept a moment longer, so a user's next batch
 * does not ask again) and a share of the app's rate while calls keep coming; after a quiet spell
 * it gives everything back, so an idle worker costs the coordinator nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Api, Rates } from '../../core/leases.js';
import { HolderSession } from './holder.js';
import type { LeaseSender } from './transport.js';

export interface ServiceHolderOptions {
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

export class ServiceHolder {
  readonly #o: ServiceHolderOptions;
  readonly #holder: string;
  #generation = 0;
  #session: HolderSession | undefined;
  /** Calls in progress per user (a user is held while any is). */
  readonly #using = new Map<string, number>();
  readonly #lingering = new Map<string, ReturnType<typeof setTimeout>>();
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ServiceHolderOptions) {
    this.#o = options;
    this.#holder = `svc:${options.identity}:${randomUUID().slice(0, 8)}`;
  }

  #current(): HolderSession {
    clearTimeout(this.#idleTimer);
    if (!this.#session || this.#session.revoked) {
      this.#session = new HolderSession({
        send: this.#o.send,
        holder: this.#holder,
        generation: ++this.#generation,
        ttlMs: this.#o.ttlMs ?? 30_000,
        capacity: this.#o.capacity,
        want: { friend_import: this.#o.capacity.friend_import ?? 0 },
        callBudgetMs: this.#o.callBudgetMs,
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
    try {
      return await session.slot(api, both);
    } catch (err) {
      if (timeout.aborted && !signal?.aborted)
        throw new WaitTimeout(`no share of the ${api} rate within ${maxWaitMs} ms`);
      throw err;
    }
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
    clearTimeout(this.#idleTimer);
    for (const t of this.#lingering.values()) clearTimeout(t);
    this.#lingering.clear();
    const session = this.#session;
    this.#session = undefined;
    // One try: at shutdown the coordinator may have no worker left; the lease then runs out.
    await session?.end('holder', 1, 2_000).catch((err: unknown) => this.#o.onError?.(err));
  }
}
