/**
 * One holder's side of the app coordinator (coordination/rules/leases.ts): the users it holds and its rate
 * share per API, kept current by lease requests it batches and sends in the background. A bulk
 * job's page is one holder; a worker process's service-path calls are another.
 *
 * Before each call the holder checks three things: its share of that API (its own CallWindow
 * paces the calls), that its lease outlives the call (a lease counts from when the request that
 * renewed it was sent), and that no earlier incarnation may still be calling (`holdMs`).
 */
import { APIS, type Api, type LeaseRequest, type LeaseResponse, type Rates } from '../rules/state.js';
import { CallWindow } from './callWindow.js';
import type { LeaseSender } from './transport.js';

export interface HolderOptions {
  /** Sends one request to the coordinator (an Update); may throw, the holder retries. */
  send: LeaseSender;
  holder: string;
  generation: number;
  ttlMs: number;
  /** The app's rates as this process is configured. */
  capacity: Rates;
  /** Rates this holder wants from the start (more can be asked for with `want`). */
  want?: Rates;
  /** The previous incarnation's last second of calls, per API (see CallWindow.preload). */
  tail?: Partial<Record<Api, number[]>>;
  /** A call must end this long before the lease does (client timeout plus a margin). */
  callBudgetMs: number;
  /** Ask for the blanket (every user no one else holds) when it is free: a bulk job's page. */
  blanket?: boolean;
  /** Users asked for are gathered this long into one request (unless `hurry()`); default 0. */
  gatherMs?: number;
  /** How often to ask (by `send.peek`, a query) whether a request is due; default 150 ms. */
  peekMs?: number;
  onError?: (err: unknown) => void;
}

const REQUEST_TIMEOUT_MS = 10_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the app coordinator did not answer within ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class RevokedError extends Error {
  override name = 'RevokedError';
}

export class HolderSession {
  readonly #o: HolderOptions;
  readonly #windows = new Map<Api, CallWindow>();
  readonly #want: Rates;
  #share: Rates = {};
  readonly #held = new Set<string>();
  /** Holds the blanket: every user no one else holds is ours; `#covered` are the ones asked for. */
  #blanket = false;
  readonly #covered = new Set<string>();
  #converting = false;
  readonly #toAcquire = new Set<string>();
  readonly #waiting = new Set<string>();
  readonly #toRelease = new Set<string>();
  #othersWant = new Set<string>();
  #seq = 0;
  #validUntil = -Infinity;
  #holdUntil = -Infinity;
  #nextPollAt = 0;
  #lastSentAt = -Infinity;
  #hurry = false;
  #sending: Promise<void> | undefined;
  #revoked: string | undefined;
  #ended = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #peekTimer: ReturnType<typeof setTimeout> | undefined;
  /** The peek on its way, if any: an ended session waits for it (the client may close next). */
  #peeking: Promise<void> | undefined;
  /** Aborts the requests of the running session once it ended (its last request excepted). */
  readonly #stopSends = new AbortController();
  readonly #listeners = new Set<() => void>();
  /** Requests answered so far (for the figures of a run). */
  requests = 0;

  constructor(options: HolderOptions) {
    this.#o = options;
    this.#want = { ...options.want };
    for (const api of APIS) {
      const w = new CallWindow(0);
      const tail = options.tail?.[api];
      if (tail) w.preload(tail);
      this.#windows.set(api, w);
    }
  }

  get revoked(): string | undefined {
    return this.#revoked;
  }

  /** Users held now. */
  holds(user: string): boolean {
    return this.#held.has(user) || (this.#blanket && this.#covered.has(user));
  }

  /** Every user held now by name (the blanket's users are not named). */
  heldUsers(): ReadonlySet<string> {
    return this.#held;
  }

  get blanket(): boolean {
    return this.#blanket;
  }

  /** Users held by this holder that another holder waits for. */
  isWanted(user: string): boolean {
    return this.#othersWant.has(user);
  }

  share(api: Api): number {
    return this.#share[api] ?? 0;
  }

  /** Asks for these users (granted in the background; `onChange` listeners hear of it). */
  acquire(users: Iterable<string>): void {
    for (const u of users) {
      if (this.#blanket) this.#covered.add(u);
      else if (!this.#held.has(u) && !this.#waiting.has(u)) this.#toAcquire.add(u);
    }
    this.#kick();
    this.#wakeAll();
  }

  /** Gives users back (also cancels a wait for them). */
  release(users: Iterable<string>): void {
    for (const u of users) {
      this.#covered.delete(u);
      this.#toAcquire.delete(u);
      if (this.#held.delete(u) || this.#waiting.delete(u)) this.#toRelease.add(u);
      // Someone waits for it: it goes back now, not with the next gathered request.
      if (this.#othersWant.has(u)) this.#hurry = true;
    }
    this.#kick();
  }

  /** What this holder wants of an API's rate now. */
  wanted(api: Api): number {
    return this.#want[api] ?? 0;
  }

  /** Raises (or lowers) what this holder wants of an API's rate. */
  want(api: Api, rate: number): void {
    if ((this.#want[api] ?? 0) === rate) return;
    this.#want[api] = rate;
    this.#nextPollAt = 0;
    this.#kick();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The caller has nothing to do until users are granted: send what is gathered now. */
  hurry(): void {
    if (this.#toAcquire.size === 0 && this.#waiting.size === 0) return;
    this.#hurry = true;
    this.#kick();
  }

  /** Sends a request now (and waits for its answer) unless one is on its way. */
  async flush(): Promise<void> {
    if (this.#sending) return this.#sending;
    this.#sending = this.#send().finally(() => {
      this.#sending = undefined;
      this.#kick();
    });
    return this.#sending;
  }

  /**
   * Waits until a call of `api` may start (share, lease, hold, window), then returns the function
   * to call with its answer. `budgetMs` is how long the call may take at most.
   */
  async slot(api: Api, signal?: AbortSignal): Promise<() => void> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.#revoked) throw new RevokedError(this.#revoked);
      if (this.#ended) throw new RevokedError('the holder has ended');
      const now = performance.now();
      if (now < this.#holdUntil) {
        await this.#sleep(this.#holdUntil - now, signal);
        continue;
      }
      if (this.share(api) <= 0 || this.#validUntil - now < this.#o.callBudgetMs) {
        if ((this.#want[api] ?? 0) <= 0) this.want(api, this.#o.capacity[api] ?? 0);
        this.#nextPollAt = 0;
        this.#kick();
        await this.#changed(signal, 1_000);
        continue;
      }
      const window = this.#windows.get(api);
      if (!window) throw new Error(`no window for ${api}`);
      const done = await window.acquire(signal);
      // The window may have made us wait: the lease must still outlive the call.
      if (this.#validUntil - performance.now() < this.#o.callBudgetMs || this.#revoked) {
        done();
        continue;
      }
      return () => {
        done();
        // A shrinking share is reported once the window has drained to it.
        if (window.counted() <= window.limit && (this.#share[api] ?? 0) < this.#reported(api)) this.#kick();
      };
    }
  }

  /** The last second of calls per API, for the next incarnation (see CallWindow.preload). */
  tail(): Partial<Record<Api, number[]>> {
    const out: Partial<Record<Api, number[]>> = {};
    for (const [api, w] of this.#windows) {
      const t = w.tail();
      if (t.length > 0) out[api] = t;
    }
    return out;
  }

  /**
   * Ends this incarnation: `epoch` keeps the holder's rate for its next one, `holder` gives
   * everything back. `attempts` bounds the tries (a worker shutting down does not wait long: its
   * lease runs out by itself).
   */
  async end(kind: 'epoch' | 'holder', attempts = 5, timeoutMs = REQUEST_TIMEOUT_MS): Promise<void> {
    if (this.#ended || this.#revoked) return;
    // A request on its way is waited for as long as this one may take, no longer: at a worker's
    // shutdown no coordinator may be left to answer it, and it would retry for a minute.
    if (this.#sending) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([this.#sending.catch(() => undefined), late]);
      clearTimeout(timer);
    }
    this.#ended = true;
    this.#stopSends.abort();
    clearTimeout(this.#timer);
    clearTimeout(this.#peekTimer);
    await this.#peeking;
    const request = this.#request();
    request.end = kind;
    request.release = [...this.#held, ...this.#toRelease, ...this.#waiting];
    if (this.#blanket && kind === 'holder') {
      // Every call is over: the users go to whoever waits, at once.
      request.dropBlanket = true;
      request.inUse = [];
    }
    await this.#sendWithRetry(request, attempts, timeoutMs);
    this.#wakeAll();
  }

  /** Stops background requests without telling the coordinator (the lease will run out). */
  abandon(): void {
    this.#ended = true;
    this.#stopSends.abort();
    clearTimeout(this.#timer);
    clearTimeout(this.#peekTimer);
    this.#wakeAll();
  }

  #reported(api: Api): number {
    return this.#lastBound[api] ?? Infinity;
  }

  #lastBound: Rates = {};

  #request(): LeaseRequest {
    const bound: Rates = {};
    for (const [api, w] of this.#windows) {
      // What this holder may still be using: its share, or more while calls made under a larger
      // share still count in its window.
      bound[api] = Math.max(this.#share[api] ?? 0, w.counted());
    }
    return {
      holder: this.#o.holder,
      generation: this.#o.generation,
      seq: ++this.#seq,
      ttlMs: this.#o.ttlMs,
      capacity: this.#o.capacity,
      want: { ...this.#want },
      bound,
      ...(this.#o.blanket && !this.#blanket && { blanket: true }),
      ...(this.#o.send.peek && { peeks: true }),
    };
  }

  async #send(): Promise<void> {
    this.#hurry = false;
    this.#lastSentAt = performance.now();
    const request = this.#request();
    if (this.#converting) {
      // Name the users in use and give the blanket up; from now on every user is asked for by name.
      this.#converting = false;
      this.#blanket = false;
      request.dropBlanket = true;
      request.inUse = [...this.#covered];
      for (const u of this.#covered) this.#held.add(u);
      this.#covered.clear();
    }
    const acquire = [...this.#toAcquire];
    const release = [...this.#toRelease];
    if (acquire.length > 0) request.acquire = acquire;
    if (release.length > 0) request.release = release;
    this.#toAcquire.clear();
    this.#toRelease.clear();
    for (const u of acquire) this.#waiting.add(u);
    const sentAt = performance.now();
    let response: LeaseResponse;
    try {
      response = await this.#sendWithRetry(request);
    } catch (err) {
      // Not sent: put the work back for the next try.
      for (const u of acquire) {
        this.#waiting.delete(u);
        this.#toAcquire.add(u);
      }
      for (const u of release) this.#toRelease.add(u);
      this.#o.onError?.(err);
      this.#nextPollAt = performance.now() + 1_000;
      return;
    }
    this.#apply(response, sentAt, request);
  }

  async #sendWithRetry(
    request: LeaseRequest,
    attempts = 5,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<LeaseResponse> {
    let delay = 100;
    for (let attempt = 1; ; attempt++) {
      try {
        // No answer within the timeout (no worker runs the coordinator right now, or its run is
        // changing): ask again; the coordinator answers a repeated request with its first answer.
        const timeout = AbortSignal.timeout(timeoutMs);
        const signal = request.end ? timeout : AbortSignal.any([timeout, this.#stopSends.signal]);
        const response = await withTimeout(this.#o.send(request, signal), timeoutMs);
        this.requests++;
        return response;
      } catch (err) {
        // Once the session ended, only its last request is still worth an answer.
        if (attempt >= attempts || (this.#ended && request.end === undefined)) throw err;
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, 2_000);
      }
    }
  }

  #apply(r: LeaseResponse, sentAt: number, request: LeaseRequest): void {
    const now = performance.now();
    if (r.revoked) {
      this.#revoked = r.revoked;
      this.#held.clear();
      clearTimeout(this.#peekTimer);
      this.#wakeAll();
      return;
    }
    this.#validUntil = sentAt + this.#o.ttlMs;
    this.#holdUntil = Math.max(this.#holdUntil, now + r.holdMs);
    for (const u of r.granted) {
      this.#waiting.delete(u);
      // Released while the request was on its way: it goes back with the next request.
      if (this.#toRelease.has(u)) continue;
      this.#held.add(u);
    }
    const waiting = new Set(r.waiting);
    for (const u of [...this.#waiting]) if (!waiting.has(u) && !this.#held.has(u)) this.#waiting.delete(u);
    for (const u of waiting) if (!this.#held.has(u)) this.#waiting.add(u);
    this.#othersWant = new Set(r.wanted);
    if (r.blanket && !this.#blanket && !request.dropBlanket) {
      // Granted the blanket: what we asked for by name is covered now.
      this.#blanket = true;
      for (const u of [...this.#held, ...this.#waiting, ...this.#toAcquire]) this.#covered.add(u);
      this.#held.clear();
      this.#waiting.clear();
      this.#toAcquire.clear();
    }
    if (r.convert && this.#blanket) this.#converting = true;
    this.#share = { ...r.share };
    this.#lastBound = { ...request.bound };
    for (const [api, w] of this.#windows) w.setLimit(this.#share[api] ?? 0);
    this.#nextPollAt = now + r.pollMs;
    this.#schedulePeek();
    this.#wakeAll();
  }

  /**
   * Between requests, asks the coordinator every `peekMs` whether one is due (someone waits for
   * a user or a share of ours, or something waits for us): a query, so no history, and a request
   * only when it helps. Without it a holder would learn of others at its next poll.
   */
  #schedulePeek(): void {
    const peek = this.#o.send.peek;
    if (!peek || this.#ended || this.#revoked || this.#peekTimer !== undefined) return;
    const every = this.#o.peekMs ?? 150;
    this.#peekTimer = setTimeout(() => {
      this.#peeking = (async () => {
        const quiet = !this.#sending && performance.now() - this.#lastSentAt >= every;
        const due =
          quiet &&
          (await withTimeout(peek(this.#o.holder, this.#stopSends.signal), REQUEST_TIMEOUT_MS).catch(
            () => false,
          ));
        this.#peekTimer = undefined;
        if (due && !this.#ended && !this.#revoked) {
          this.#hurry = true;
          this.#kick();
        }
        this.#schedulePeek();
      })().finally(() => (this.#peeking = undefined));
    }, every);
    this.#peekTimer.unref?.();
  }

  /** Schedules the next request: now if something waits to be sent, else at the poll time. */
  #kick(): void {
    if (this.#ended || this.#revoked || this.#sending) return;
    const now = performance.now();
    const shrinking = APIS.some((api) => (this.#share[api] ?? 0) < this.#reported(api) && this.#drained(api));
    const urgent = this.#converting || shrinking || this.#hurry;
    const pending = this.#toAcquire.size > 0 || this.#toRelease.size > 0;
    const gathered = Math.max(0, this.#lastSentAt + (this.#o.gatherMs ?? 0) - now);
    const due = urgent ? 0 : Math.min(Math.max(0, this.#nextPollAt - now), pending ? gathered : Infinity);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), due);
    this.#timer.unref?.();
  }

  #drained(api: Api): boolean {
    const w = this.#windows.get(api);
    return w !== undefined && w.counted() <= w.limit;
  }

  #wakeAll(): void {
    for (const l of [...this.#listeners]) l();
  }

  /** Resolves at the next answer (or after `maxMs`). */
  #changed(signal: AbortSignal | undefined, maxMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        off();
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        clearTimeout(timer);
        off();
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const off = this.onChange(done);
      const timer = setTimeout(done, maxMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * Ends a page's session without keeping its activity alive for long: a few short tries, none once
 * the activity is being cancelled (a worker shutting down may no longer run the coordinator). A
 * session not ended runs out with its lease, so this only makes the hand-over quicker.
 */
export async function endSession(
  session: HolderSession,
  kind: 'epoch' | 'holder',
  cancelled: AbortSignal,
): Promise<void> {
  if (cancelled.aborted) return session.abandon();
  await session.end(kind, 3, 5_000).catch(() => session.abandon());
}
