/** `friend-import resume JOB`: a paused job goes on where it stopped. */
import type { Command } from 'commander';

export function registerResume(program: Command): void {
  program
    .command('resume')
    .argument('<job>', 'job ID')
    .description('resume a paused bulk job')
    .option('--json', "print the job's state and counters after resuming as one JSON object")
    .action(async (job: string, opts: { json?: boolean }) => {
      const { controlJob } = await import('./support/control.js');
      await controlJob(
        job,
        'resume',
        (h) => h.resume(),
        (p) => p.state,
        opts.json,
      );
    });
}
