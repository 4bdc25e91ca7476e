/** A burst of calls that arrive close together: the sockets are opened (and the window emptied) first. */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `call(i)` for i < n twice, all at once each time: the first round opens n keep-alive
 * sockets, then the second (the one returned) reuses them after the sliding second has passed, so
 * its requests arrive within a few milliseconds of each other. `beforeBurst` runs just before it
 * (e.g. to reset the emulator's stats).
 */
export async function warmBurst<T>(
  n: number,
  call: (i: number) => Promise<T>,
  beforeBurst?: () => void,
): Promise<T[]> {
  await Promise.all(Array.from({ length: n }, (_, i) => call(i)));
  await sleep(1100);
  beforeBurst?.();
  return Promise.all(Array.from({ length: n }, (_, i) => call(i)));
}
