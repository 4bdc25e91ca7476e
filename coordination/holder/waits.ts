/**
 * The waits of a holder's session: a pause, until the session changes (an answer came in), or
 * for a promise as long as it may take. The first two end early, rejecting, when the caller's
 * signal aborts, so a stopping page's calls give up their wait at once.
 */

function abortReason(signal: AbortSignal | undefined): Error {
  return signal?.reason instanceof Error ? signal.reason : new Error('aborted');
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves at the next change `onChange` reports (or after `maxMs`). */
export function nextChange(
  onChange: (listener: () => void) => () => void,
  signal: AbortSignal | undefined,
  maxMs: number,
): Promise<void> {
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
      reject(abortReason(signal));
    };
    const off = onChange(done);
    const timer = setTimeout(done, maxMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves once `promise` settled (either way) or `ms` passed, whichever comes first. */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([promise.catch(() => undefined), late]);
  clearTimeout(timer);
}
