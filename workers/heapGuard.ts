/**
 * Keeps a worker's JavaScript heap near its budget. A bulk page turns every input line into
 * short-lived objects (parsed items, request bodies, answers) at a high rate; V8 moves many of them
 * to its old generation before they die and, left to itself, lets that generation grow to several
 * times the live data before collecting it. The rule: once the heap passes the budget, collect
 * (V8's full collection, run as a task rather than inside this timer), at most once a second, so
 * the process's memory stays flat. The pause it costs and the alternatives measured against it are
 * in bench/RESULTS.md.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const DEFAULT_HEAP_BUDGET_MB = 80;

interface HeapGuard {
  collections: number;
  stop(): void;
}

type Gc = (options: { type: 'major'; execution: 'async' }) => unknown;

export function startHeapGuard(budgetMb = DEFAULT_HEAP_BUDGET_MB, everyMs = 250): HeapGuard {
  const guard: HeapGuard = { collections: 0, stop: () => undefined };
  if (!(budgetMb > 0)) return guard;
  // The collector is not exposed without --expose-gc; the flag can be set now and the function
  // fetched from a fresh context.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as Gc | undefined;
  if (typeof gc !== 'function') return guard;
  const budget = budgetMb * 1024 * 1024;
  let lastAt = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    // When the live data alone is above the budget, at most one collection a second.
    if (process.memoryUsage().heapUsed < budget || now - lastAt < 1_000) return;
    lastAt = now;
    void gc({ type: 'major', execution: 'async' });
    guard.collections++;
  }, everyMs);
  timer.unref();
  guard.stop = () => clearInterval(timer);
  return guard;
}
