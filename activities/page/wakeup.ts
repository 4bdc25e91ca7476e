/** A loop's alarm clock: `wait(ms)` resolves at the next `now()` or after `ms` (0: on the next turn of the event loop). */
export class Wakeup {
  #resolve: (() => void) | undefined;
  #pending = false;

  now(): void {
    this.#pending = true;
    this.#resolve?.();
  }

  wait(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return new Promise((resolve) => setImmediate(resolve));
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (immediate) clearImmediate(immediate);
        this.#resolve = undefined;
        this.#pending = false;
        resolve();
      };
      const timer = ms > 0 ? setTimeout(done, ms) : undefined;
      const immediate = ms > 0 ? undefined : setImmediate(done);
      this.#resolve = done;
    });
  }
}
