/**
 * Sliding 1-second windows over event times (monotonic milliseconds). A window ending at `t` holds
 * the events in (t - windowMs, t]. Pure: the caller passes the clock, so tests drive it by hand.
 */

/** A queue of times with O(1) amortised push and drop-from-front. */
class TimeQueue {
  #times: number[] = [];
  #head = 0;

  get size(): number {
    return this.#times.length - this.#head;
  }

  push(t: number): void {
    this.#times.push(t);
  }

  /** Drops every time ≤ `cutoff` from the front (times arrive in order). */
  dropUpTo(cutoff: number): void {
    const times = this.#times;
    while (this.#head < times.length && (times[this.#head] as number) <= cutoff) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > times.length) {
      this.#times = times.slice(this.#head);
      this.#head = 0;
    }
  }

  clear(): void {
    this.#times = [];
    this.#head = 0;
  }
}

/** Counts events and remembers the most that fell within any one window. */
export class WindowCounter {
  readonly #queue = new TimeQueue();
  #max = 0;

  constructor(readonly windowMs = 1000) {}

  /** Records an event at `now` and returns how many events the window ending now holds. */
  add(now: number): number {
    this.#queue.dropUpTo(now - this.windowMs);
    this.#queue.push(now);
    const n = this.#queue.size;
    if (n > this.#max) this.#max = n;
    return n;
  }

  /** The largest number of events seen within any window so far. */
  get max(): number {
    return this.#max;
  }

  reset(): void {
    this.#queue.clear();
    this.#max = 0;
  }
}

/**
 * Admits at most `limit` events per window: an event at `t` is admitted when fewer than `limit`
 * admitted events lie in (t - windowMs, t]. Refused events do not count, so a client that keeps
 * calling gets through again as soon as the window has room. With this rule no window of the same
 * length ever holds more than `limit` admitted events.
 */
export class WindowLimiter {
  readonly #queue = new TimeQueue();

  /** `limit` 0 (or less) admits everything. */
  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
  ) {}

  tryAcquire(now: number): boolean {
    if (this.limit <= 0) return true;
    this.#queue.dropUpTo(now - this.windowMs);
    if (this.#queue.size >= this.limit) return false;
    this.#queue.push(now);
    return true;
  }
}
