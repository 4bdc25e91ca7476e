/**
 * How a holder's requests reach the app coordinator (./transport.ts sends them): each try is
 * bounded in time, and one that gets no answer is sent again, since the coordinator answers a
 * repeated request with its first answer. Once the session stopped (`stop` aborted), only its
 * last request (the one that ends it) is still worth an answer.
 */
import type { LeaseRequest, LeaseResponse } from '../rules/state.js';
import type { LeaseSender } from './transport.js';

export const REQUEST_TIMEOUT_MS = 10_000;

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the app coordinator did not answer within ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Sends `request`, up to `attempts` tries with a growing pause between them. */
export async function sendWithRetry(
  send: LeaseSender,
  request: LeaseRequest,
  stop: AbortSignal,
  attempts = 5,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<LeaseResponse> {
  let delay = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      // No answer within the timeout (no worker runs the coordinator right now, or its run is
      // changing): ask again; the coordinator answers a repeated request with its first answer.
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = request.end ? timeout : AbortSignal.any([timeout, stop]);
      return await withTimeout(send(request, signal), timeoutMs);
    } catch (err) {
      if (attempt >= attempts || (stop.aborted && request.end === undefined)) throw err;
      await new Promise((r) => setTimeout(r, delay).unref());
      delay = Math.min(delay * 2, 2_000);
    }
  }
}
