/**
 * At most `limit` friend_import calls start in any sliding window of `windowMs` (+ a margin), in
 * this worker process, and never two closer than `windowMs / limit` apart.
 *
 * Why, on top of Temporal's task-queue rate limit: the matching service paces dispatch with a
 * token bucket whose burst equals the rate (service/matching/ratelimit_manager.go), so after an idle
 * second it hands out up to twice the rate within one 1-second window (measured: 43 calls in one
 * second at a 20/s limit). This window keeps each worker's calls within the vendor's per-second
 * limit; the task-queue limit keeps the sum over all workers at the rate.
 *
 * Why evenly spaced: the service counts arrivals on its side. A burst of calls started together is
 * stamped over the time the receiver takes to work through it, so a burst that is legal when it
 * leaves can look over the limit when it lands one second later than the previous one.
 */
export class CallWindow {
  readonly #starts: number[] = [];
  readonly #spacingMs: number;
  #tail: Promise<void> = Promise.resolve();

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
    /**
     * Allowance for the time between our start and the service's arrival stamp (a receiver that is
     * briefly descheduled stamps a call late; 50 ms was measured to be too little under load).
     */
    readonly marginMs = 100,
  ) {
    if (!(limit > 0)) throw new RangeError('limit must be above 0');
    this.#spacingMs = windowMs / limit;
  }

  /** Resolves when this call may start; FIFO among waiters. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.#tail.then(() => this.#waitForSlot(signal));
    this.#tail = turn.catch(() => undefined);
    return turn;
  }

  async #waitForSlot(signal?: AbortSignal): Promise<void> {
    const span = this.windowMs + this.marginMs;
    for (;;) {
      signal?.throwIfAborted();
      const now = Date.now();
      while (this.#starts.length > 0 && (this.#starts[0] ?? 0) <= now - span) this.#starts.shift();
      const last = this.#starts[this.#starts.length - 1];
      const spacedAt = last === undefined ? now : last + this.#spacingMs;
      const windowAt =
        this.#starts.length < Math.floor(this.limit) ? now : (this.#starts[0] ?? now) + span + 1;
      const at = Math.max(spacedAt, windowAt);
      if (at <= now) {
        this.#starts.push(now);
        return;
      }
      await sleep(at - now, signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
