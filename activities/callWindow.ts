/**
 * At most `limit` friend_import calls in any window of `windowMs` as the service counts them, from
 * this worker process, and never two starts closer than `windowMs / limit`.
 *
 * Why, on top of Temporal's task-queue rate limit: the matching service paces dispatch with a
 * token bucket whose burst equals the rate (service/matching/ratelimit_manager.go), so after an idle
 * second it hands out up to twice the rate within one 1-second window (measured: 43 calls in one
 * second at a 20/s limit). This window keeps each worker's calls within the vendor's per-second
 * limit; the task-queue limit keeps the sum over all workers at the rate.
 *
 * Why a call counts from its start until one window after its answer: the service stamps a call
 * somewhere between the moment we send it and the moment its answer is back, and we cannot know
 * where (a busy sender or receiver can delay either side by 100 ms and more). A call may start only
 * while fewer than `limit` others are in flight or were answered within the last window; then any
 * window of the service's stamps holds at most `limit` calls, whatever the delays. The price is the
 * answer time: a saturated worker makes `limit` calls per `windowMs` + one answer time.
 *
 * Why evenly spaced: so that the calls of one second do not all leave, and land, together.
 */
export class CallWindow {
  /** When recent answers came in, ascending (performance.now()). */
  readonly #answeredAt: number[] = [];
  readonly #spacingMs: number;
  readonly #capacity: number;
  #inFlight = 0;
  #lastStart = -Infinity;
  #tail: Promise<unknown> = Promise.resolve();
  #wake: (() => void) | undefined;

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
  ) {
    if (!(limit > 0)) throw new RangeError('limit must be above 0');
    this.#spacingMs = windowMs / limit;
    // Below 1 call per window the spacing alone keeps the rate.
    this.#capacity = Math.max(1, Math.floor(limit));
  }

  /**
   * Resolves when this call may start, FIFO among waiters, with the function to call once its
   * answer (or failure) is in.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    const turn = this.#tail.then(() => this.#waitForSlot(signal));
    this.#tail = turn.catch(() => undefined);
    return turn;
  }

  async #waitForSlot(signal?: AbortSignal): Promise<() => void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = performance.now();
      while ((this.#answeredAt[0] ?? Infinity) <= now - this.windowMs) this.#answeredAt.shift();
      const spacedAt = this.#lastStart + this.#spacingMs;
      const counted = this.#inFlight + this.#answeredAt.length;
      // When every counted call is still in flight, only an answer can free a slot.
      const windowAt = counted < this.#capacity ? now : (this.#answeredAt[0] ?? Infinity) + this.windowMs;
      const at = Math.max(spacedAt, windowAt);
      if (at <= now) return this.#start(now);
      await this.#waitUntil(at - now, signal);
    }
  }

  #start(now: number): () => void {
    this.#inFlight++;
    this.#lastStart = now;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#inFlight--;
      this.#answeredAt.push(performance.now());
      this.#wake?.();
    };
  }

  /** Sleeps `ms` (forever if not finite), or until an answer comes in, or the caller aborts. */
  #waitUntil(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.#wake === wake) this.#wake = undefined;
        if (err === undefined) resolve();
        else reject(err);
      };
      const wake = (): void => finish();
      const onAbort = (): void =>
        finish(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      const timer = Number.isFinite(ms) ? setTimeout(wake, ms) : undefined;
      this.#wake = wake;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
