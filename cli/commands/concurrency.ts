/**
 * `friend-import concurrency JOB N`: changes how many calls a running job keeps in flight
 * (friend_import for an import, friend_check or friend_get for a verify; one call per user at a time).
 */
import type { Command } from 'commander';
import { MAX_CONCURRENCY, parseConcurrency } from './support/options.js';

export function registerConcurrency(program: Command): void {
  program
    .command('concurrency')
    .argument('<job>', 'job ID')
    .argument('<n>', `calls in flight at once, 1–${MAX_CONCURRENCY}`)
    .description("change a running job's concurrency (its calls in flight at once)")
    .option('--json', "print the job's state and counters after the change as one JSON object")
    .action(async (job: string, value: string, opts: { json?: boolean }) => {
      const n = parseConcurrency(value);
      const { controlJob } = await import('./support/jobUpdate.js');
      await controlJob(
        job,
        'change the concurrency of',
        (h) => h.setConcurrency(n),
        (p) => `concurrency ${p.concurrency} (${p.state})`,
        opts.json,
      );
    });
}
