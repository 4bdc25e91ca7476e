/**
 * `friend-import pause JOB`, `resume JOB` and `cancel JOB`: one update on a running job, an import
 * or a verify, and one line of result (support/jobUpdate.ts).
 * - pause: no new calls for the job's users until `resume` (the call in flight finishes);
 * - resume: a paused job goes on where it stopped;
 * - cancel: stops reading, drops the job's queued items (outcome `cancelled`), lets the calls in
 *   flight finish, writes the report and ends the job.
 */
import type { Command } from 'commander';
import type { JobProgress } from '../../core/jobTypes.js';
import type { BulkJobHandle } from '../../client/bulkJobs.js';

interface ControlCommand {
  name: 'pause' | 'resume' | 'cancel';
  description: string;
  /** When the `--json` figures are taken, in its help. */
  after: string;
  act: (handle: BulkJobHandle) => Promise<JobProgress>;
  /** What the job does now, in the result's line. */
  describe: (p: JobProgress) => string;
}

const COMMANDS: ControlCommand[] = [
  {
    name: 'pause',
    description: 'pause a bulk job: its users make no new calls (a call in flight finishes) until resume',
    after: 'after the pause',
    act: (h) => h.pause(),
    describe: (p) => `${p.state}; resume with: friend-import resume ${p.jobId}`,
  },
  {
    name: 'resume',
    description: 'resume a paused bulk job',
    after: 'after resuming',
    act: (h) => h.resume(),
    describe: (p) => p.state,
  },
  {
    name: 'cancel',
    description: 'cancel a bulk job: queued items end as cancelled, the report is written',
    after: 'after the cancel',
    act: (h) => h.cancel(),
    describe: (p) => `${p.state}; it ends once the calls in flight finish (friend-import status ${p.jobId})`,
  },
];

export function registerJobControl(program: Command): void {
  for (const c of COMMANDS)
    program
      .command(c.name)
      .argument('<job>', 'job ID')
      .description(c.description)
      .option('--json', `print the job's state and counters ${c.after} as one JSON object`)
      .action(async (job: string, opts: { json?: boolean }) => {
        const { controlJob } = await import('./support/jobUpdate.js');
        await controlJob(job, c.name, c.act, c.describe, opts.json);
      });
}
