/**
 * `friend-import cancel JOB`: stops reading, drops the job's queued items (outcome `cancelled`),
 * lets the calls in flight finish, writes the report and ends the job.
 */
import type { Command } from 'commander';

export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .argument('<job>', 'job ID')
    .description('cancel a bulk job: queued items end as cancelled, the report is written')
    .option('--json', "print the job's state and counters after the cancel as one JSON object")
    .action(async (job: string, opts: { json?: boolean }) => {
      const { controlJob } = await import('./support/control.js');
      await controlJob(
        job,
        'cancel',
        (h) => h.cancel(),
        (p) => `${p.state}; it ends once the calls in flight finish (friend-import status ${p.jobId})`,
        opts.json,
      );
    });
}
