/**
 * One holder's side of the app coordinator (coordination/rules/leases.ts): the users it holds and its rate
 * share per API, kept current by lease requests it batches and sends in the background. A bulk
 * job's page is one holder; a worker process's service-path calls are another.
 *
 * Before each call the holder checks three things: its share of that API (its own CallWindow
 * paces the calls), that its lease outlives the call (a lease counts from when the request that
 * renewed it was sent), and that no earlier incarnation may still be calling (`holdMs`).
 *
 * This file is the session's loop: when requests go and what their answers change, and the waits
 * for a call. What it holds and asks for is ./holdings.ts, its windows and shares ./windows.ts, how
 * a request is sent and retried ./requests.ts, the queries between requests ./peeks.ts; its settings
 * are ./options.ts.
 */
import { APIS, type Api, type LeaseRequest, type LeaseResponse, type Rates } from '../rules/state.js';
import * as holdings from './holdings.js';
import type { HolderOptions } from './holderOptions.js';
import { Peeks } from './peeks.js';
import { REQUEST_TIMEOUT_MS, sendWithRetry } from './requests.js';
import { nextChange, settledWithin, sleep } from './waits.js';
import { inUse, openWindows, setShares, shrinkToReport, windowTails, type Windows } from './windows.js';

export class RevokedError extends Error {
  override name = 'RevokedError';
}

export class HolderSession {
  readonly #o: HolderOptions;
  readonly #windows: Windows;
  readonly #want: Rates;
  #share: Rates = {};
  /** What the coordinator last heard this holder may be using: a share below it is a shrink to report. */
  #lastBound: Rates = {};
  readonly #h = holdings.noHoldings();
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
  /** Aborts the requests of the running session once it ended (its last request excepted). */
  readonly #stopSends = new AbortController();
  readonly #peeks: Peeks | undefined;
  readonly #listeners = new Set<() => void>();
  /** Requests answered so far (for the figures of a run). */
  requests = 0;

  constructor(options: HolderOptions) {
    this.#o = options;
    this.#want = { ...options.want };
    this.#windows = openWindows(options.tail);
    const peek = options.send.peek;
    this.#peeks =
      peek &&
      new Peeks({
        peek,
        holder: options.holder,
        everyMs: options.peekMs ?? 150,
        stop: this.#stopSends.signal,
        quietFor: (ms) => !this.#sending && performance.now() - this.#lastSentAt >= ms,
        live: () => !this.#ended && !this.#revoked,
        onDue: () => {
          this.#hurry = true;
          this.#kick();
        },
      });
  }

  get revoked(): string | undefined {
    return this.#revoked;
  }

  /** Users held now. */
  holds(user: string): boolean {
    return holdings.holds(this.#h, user);
  }

  /** Every user held now by name (the blanket's users are not named). */
  heldUsers(): ReadonlySet<string> {
    return this.#h.held;
  }

  get blanket(): boolean {
    return this.#h.blanket;
  }

  /** Users held by this holder that another holder waits for. */
  isWanted(user: string): boolean {
    return this.#h.othersWant.has(user);
  }

  share(api: Api): number {
    return this.#share[api] ?? 0;
  }

  /** Asks for these users (granted in the background; `onChange` listeners hear of it). */
  acquire(users: Iterable<string>): void {
    holdings.ask(this.#h, users);
    this.#kick();
    this.#wakeAll();
  }

  /** Gives users back (also cancels a wait for them). */
  release(users: Iterable<string>): void {
    if (holdings.giveBack(this.#h, users)) this.#hurry = true;
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
    if (!holdings.asking(this.#h)) return;
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
        await sleep(this.#holdUntil - now, signal);
        continue;
      }
      if (this.share(api) <= 0 || this.#validUntil - now < this.#o.callBudgetMs) {
        if ((this.#want[api] ?? 0) <= 0) this.want(api, this.#o.capacity[api] ?? 0);
        this.#nextPollAt = 0;
        this.#kick();
        await nextChange((l) => this.onChange(l), signal, 1_000);
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
        if (shrinkToReport(this.#windows, this.#share, this.#lastBound, api)) this.#kick();
      };
    }
  }

  /** The last second of calls per API, for the next incarnation (see CallWindow.preload). */
  tail(): Partial<Record<Api, number[]>> {
    return windowTails(this.#windows);
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
    if (this.#sending) await settledWithin(this.#sending, timeoutMs);
    this.#stop();
    await this.#peeks?.settled();
    const request = { ...this.#request(), end: kind, ...holdings.lastOutgoing(this.#h, kind) };
    await this.#sendCounted(request, attempts, timeoutMs);
    this.#wakeAll();
  }

  /** Stops background requests without telling the coordinator (the lease will run out). */
  abandon(): void {
    this.#stop();
    this.#wakeAll();
  }

  #stop(): void {
    this.#ended = true;
    this.#stopSends.abort();
    clearTimeout(this.#timer);
    this.#peeks?.cancel();
  }

  #request(): LeaseRequest {
    return {
      holder: this.#o.holder,
      generation: this.#o.generation,
      seq: ++this.#seq,
      ttlMs: this.#o.ttlMs,
      capacity: this.#o.capacity,
      want: { ...this.#want },
      bound: inUse(this.#windows, this.#share),
      ...(this.#o.blanket && !this.#h.blanket && { blanket: true }),
      ...(this.#o.send.peek && { peeks: true }),
    };
  }

  async #sendCounted(request: LeaseRequest, attempts?: number, timeoutMs?: number): Promise<LeaseResponse> {
    const response = await sendWithRetry(this.#o.send, request, this.#stopSends.signal, attempts, timeoutMs);
    this.requests++;
    return response;
  }

  async #send(): Promise<void> {
    this.#hurry = false;
    this.#lastSentAt = performance.now();
    // Built before the holdings are taken: a request that gives the blanket up does not ask for it.
    const base = this.#request();
    const outgoing = holdings.takeOutgoing(this.#h);
    const request: LeaseRequest = { ...base, ...outgoing };
    const sentAt = performance.now();
    let response: LeaseResponse;
    try {
      response = await this.#sendCounted(request);
    } catch (err) {
      // Not sent: put the work back for the next try.
      holdings.putBack(this.#h, outgoing);
      this.#o.onError?.(err);
      this.#nextPollAt = performance.now() + 1_000;
      return;
    }
    this.#apply(response, sentAt, request);
  }

  #apply(r: LeaseResponse, sentAt: number, request: LeaseRequest): void {
    const now = performance.now();
    if (r.revoked) {
      this.#revoked = r.revoked;
      this.#h.held.clear();
      this.#peeks?.cancel();
      this.#wakeAll();
      return;
    }
    this.#validUntil = sentAt + this.#o.ttlMs;
    this.#holdUntil = Math.max(this.#holdUntil, now + r.holdMs);
    holdings.takeAnswer(this.#h, r, request);
    this.#share = { ...r.share };
    this.#lastBound = { ...request.bound };
    setShares(this.#windows, this.#share);
    this.#nextPollAt = now + r.pollMs;
    this.#peeks?.schedule();
    this.#wakeAll();
  }

  /** Schedules the next request: now if something waits to be sent, else at the poll time. */
  #kick(): void {
    if (this.#ended || this.#revoked || this.#sending) return;
    const now = performance.now();
    const shrinking = APIS.some((api) => shrinkToReport(this.#windows, this.#share, this.#lastBound, api));
    const urgent = this.#h.converting || shrinking || this.#hurry;
    const pending = holdings.unsent(this.#h);
    const gathered = Math.max(0, this.#lastSentAt + (this.#o.gatherMs ?? 0) - now);
    const due = urgent ? 0 : Math.min(Math.max(0, this.#nextPollAt - now), pending ? gathered : Infinity);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), due);
    this.#timer.unref?.();
  }

  #wakeAll(): void {
    for (const l of [...this.#listeners]) l();
  }
}
