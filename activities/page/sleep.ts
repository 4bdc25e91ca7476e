/** A pause that ends early (rejecting) when `signal` aborts. */
import { setTimeout as wait } from 'node:timers/promises';

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return wait(ms, undefined, signal ? { signal } : {});
}
