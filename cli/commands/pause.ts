/** `friend-import pause JOB`: no new friend_import calls for the job's users until `resume` (the call in flight finishes). */
import type { Command } from 'commander';

export function registerPause(program: Command): void {
  program
    .command('pause')
    .argument('<job>', 'job ID')
    .description('pause a bulk job: its users make no new calls (a call in flight finishes) until resume')
    .option('--json', "print the job's state and counters after the pause as one JSON object")
    .action(async (job: string, opts: { json?: boolean }) => {
      const { controlJob } = await import('./support/control.js');
      await controlJob(
        job,
        'pause',
        (h) => h.pause(),
        (p) => `${p.state}; resume with: friend-import resume ${p.jobId}`,
        opts.json,
      );
    });
}
