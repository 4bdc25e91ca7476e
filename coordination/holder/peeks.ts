/**
 * Between requests, a holder asks the coordinator every `everyMs` whether one is due (someone
 * waits for a user or a share of ours, or something waits for us): a query, so no history, and a
 * request only when it helps. Without it a holder would learn of others at its next poll.
 */
import { REQUEST_TIMEOUT_MS, withTimeout } from './requests.js';
import type { LeaseSender } from './transport.js';

interface PeekOptions {
  peek: NonNullable<LeaseSender['peek']>;
  holder: string;
  everyMs: number;
  /** Aborts the query on its way once the session ended. */
  stop: AbortSignal;
  /** No request is on its way and none went for `ms`: else a peek would tell nothing new. */
  quietFor: (ms: number) => boolean;
  /** The session still runs (neither ended nor revoked). */
  live: () => boolean;
  /** The coordinator has something for us: send a request now. */
  onDue: () => void;
}

export class Peeks {
  readonly #o: PeekOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The peek on its way, if any: an ended session waits for it (the client may close next). */
  #peeking: Promise<void> | undefined;

  constructor(options: PeekOptions) {
    this.#o = options;
  }

  /** Peeks in `everyMs`, and on after each, while the session runs (one timer at a time). */
  schedule(): void {
    const o = this.#o;
    if (!o.live() || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#peeking = (async () => {
        const due =
          o.quietFor(o.everyMs) &&
          (await withTimeout(o.peek(o.holder, o.stop), REQUEST_TIMEOUT_MS).catch(() => false));
        this.#timer = undefined;
        if (due && o.live()) o.onDue();
        this.schedule();
      })().finally(() => (this.#peeking = undefined));
    }, o.everyMs);
    this.#timer.unref?.();
  }

  /** No peek starts any more (the session ended or was revoked). */
  cancel(): void {
    clearTimeout(this.#timer);
  }

  /** The peek on its way is over. */
  async settled(): Promise<void> {
    await this.#peeking;
  }
}
