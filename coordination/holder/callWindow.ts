/**
 * At most `limit` calls of one API in any window of `windowMs` as the service counts them, from
 * one holder (a page, a worker process's service calls), and never two starts closer than
 * `windowMs / limit`. The limit is the holder's share of the app's rate, handed out by the app
 * coordinator; it may change while calls run (docs/architecture.md, the app-wide rate).
 *
 * Why a call counts from its start until one window after its answer: the service stamps a call
 * somewhere between the moment we send it and the moment its answer is back, and we cannot know
 * where (a busy sender or receiver can delay either side by 100 ms and more). A call may start only
 * while fewer than `limit` others are in flight or were answered within the last window; then any
 * window of the service's stamps holds at most `limit` calls, whatever the delays. The price is the
 * answer time: a saturated holder makes `limit` calls per `windowMs` + one answer time.
 *
 * Why evenly spaced: so that the calls of one second do not all leave, and land, together. The
 * spacing follows a schedule rather than the last start, so a timer that fires late does not make
 * every later call late too: a call that was waiting for its slot and started late makes up to
 * `catchUpMs` of it, up to three spacings (20 ms at most), so the calls that waited behind it may
 * leave closer together: a thread busy for several milliseconds (parsing a big line) must not cost
 * its calls their slots. Idle time is not lateness: after a pause the schedule restarts from the
 * first new call, one spacing at a time.
 */
const MAX_CATCH_UP_MS = 20;

/** How far behind its schedule a start may make up, for calls `spacingMs` apart. */
export const catchUpMs = (spacingMs: number): number => Math.min(MAX_CATCH_UP_MS, 3 * spacingMs);

/**
 * The earliest start of the call after one that starts at `now` for the slot `due`: one spacing
 * after this slot on schedule; after a late start, one spacing after it less what it may make up.
 */
export function nextSlotAt(nextAt: number, now: number, due: number, spacingMs: number): number {
  const madeUp = Math.min(Math.max(0, now - due), catchUpMs(spacingMs));
  return Math.max(nextAt + spacingMs, now + spacingMs - madeUp);
}

export class CallWindow {
  /** When recent answers came in, ascending (performance.now()). */
  readonly #answeredAt: number[] = [];
  #limit: number;
  #spacingMs = Infinity;
  #capacity = 0;
  #inFlight = 0;
  /** The earliest time the next call may start, by the spacing schedule. */
  #nextAt = -Infinity;
  /** The latest answer preloaded from a previous holder (the schedule restarts one spacing after it). */
  #lastPreloaded = -Infinity;
  #tail: Promise<unknown> = Promise.resolve();
  readonly #wakers = new Set<() => void>();

  constructor(
    limit: number,
    readonly windowMs = 1000,
  ) {
    if (!(limit >= 0)) throw new RangeError('limit must be 0 or more');
    this.#limit = limit;
    this.setLimit(limit);
  }

  get limit(): number {
    return this.#limit;
  }

  /** A new share: calls that start from now on obey it; calls already counted stay counted. */
  setLimit(limit: number): void {
    if (!(limit >= 0)) throw new RangeError('limit must be 0 or more');
    this.#limit = limit;
    this.#spacingMs = limit > 0 ? this.windowMs / limit : Infinity;
    // Below 1 call per window the spacing alone keeps the rate.
    this.#capacity = limit > 0 ? Math.max(1, Math.floor(limit)) : 0;
    // A tail preloaded while there was no limit yet (a new incarnation before its first answer)
    // put the schedule at infinity: it starts one spacing after the tail's last call instead.
    if (this.#nextAt === Infinity) this.#nextAt = this.#lastPreloaded + this.#spacingMs;
    this.#wake();
  }

  /** Calls counted now: in flight, or answered within the last window. */
  counted(now = performance.now()): number {
    this.#prune(now);
    return this.#inFlight + this.#answeredAt.length;
  }

  /**
   * Counts calls another holder made just before this one took over its share: each was answered
   * `ageMs` ago (it counts until one window after that).
   */
  preload(agesMs: readonly number[], now = performance.now()): void {
    const stamps = agesMs.filter((a) => a >= 0 && a < this.windowMs).map((a) => now - a);
    this.#answeredAt.push(...stamps);
    this.#answeredAt.sort((a, b) => a - b);
    if (stamps.length === 0) return;
    this.#lastPreloaded = Math.max(this.#lastPreloaded, ...stamps);
    this.#nextAt = Math.max(this.#nextAt, this.#lastPreloaded + this.#spacingMs);
  }

  /** How long ago each counted call was answered (in-flight calls count as answered now). */
  tail(now = performance.now()): number[] {
    this.#prune(now);
    return [...Array<number>(this.#inFlight).fill(0), ...this.#answeredAt.map((t) => now - t)];
  }

  /**
   * Resolves when this call may start, FIFO among waiters, with the function to call once its
   * answer (or failure) is in.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    const wantedSince = performance.now();
    const turn = this.#tail.then(() => this.#waitForSlot(wantedSince, signal));
    this.#tail = turn.catch(() => undefined);
    return turn;
  }

  #prune(now: number): void {
    while ((this.#answeredAt[0] ?? Infinity) <= now - this.windowMs) this.#answeredAt.shift();
  }

  async #waitForSlot(wantedSince: number, signal?: AbortSignal): Promise<() => void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = performance.now();
      this.#prune(now);
      const spacedAt = this.#nextAt;
      const counted = this.#inFlight + this.#answeredAt.length;
      let windowAt: number;
      if (counted < this.#capacity) windowAt = now;
      else {
        // The oldest counted answers must leave the window until fewer than `capacity` remain;
        // when every counted call is still in flight, only an answer can free a slot.
        const leaving = counted - this.#capacity;
        const at = this.#answeredAt[leaving];
        windowAt = at === undefined ? Infinity : at + this.windowMs;
      }
      const at = Math.max(spacedAt, windowAt);
      // Due when its slot came and it wanted one, whichever is later: a start after `due` is late.
      if (at <= now) return this.#start(now, Math.max(spacedAt, wantedSince));
      await this.#waitUntil(at - now, signal);
    }
  }

  #start(now: number, due: number): () => void {
    this.#inFlight++;
    this.#nextAt = nextSlotAt(this.#nextAt, now, due, this.#spacingMs);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#inFlight--;
      this.#answeredAt.push(performance.now());
      this.#wake();
    };
  }

  #wake(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  /** Sleeps `ms` (forever if not finite), or until an answer comes in or the limit changes, or the caller aborts. */
  #waitUntil(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#wakers.delete(wake);
        if (err === undefined) resolve();
        else reject(err);
      };
      const wake = (): void => finish();
      const onAbort = (): void =>
        finish(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      const timer = Number.isFinite(ms) ? setTimeout(wake, ms) : undefined;
      this.#wakers.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
