/** `friend-import concurrency JOB N`: changes how many users a running job keeps in flight. */
import type { Command } from 'commander';
import { CliError, EXIT } from './errors.js';

export function registerConcurrency(program: Command): void {
  program
    .command('concurrency')
    .argument('<job>', 'job ID')
    .argument('<n>', 'users in flight at once')
    .description("change a running bulk job's concurrency (users in flight at once)")
    .option('--json', "print the job's progress as JSON")
    .action(async (job: string, value: string, opts: { json?: boolean }) => {
      if (!/^\d+$/.test(value)) throw new CliError(`N must be a whole number, got "${value}"`, EXIT.usage);
      const n = Number(value);
      const { checkConcurrency } = await import('./import.js');
      await checkConcurrency(n);
      const { controlJob } = await import('./support/control.js');
      await controlJob(
        job,
        'change the concurrency of',
        (h) => h.setConcurrency(n),
        (p) => `concurrency ${p.concurrency} (${p.state})`,
        opts.json,
      );
    });
}
