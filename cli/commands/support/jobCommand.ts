/**
 * What `import` and `verify` share as commands that start a job: the flags that size its pages
 * and calls, `--report` given as the CSV, and what `--detach` prints. Light on purpose: the
 * commands load it to build `--help`.
 */
import type { Command } from 'commander';
import { EXIT } from '../errors.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_PAGE_LINES,
  MAX_CONCURRENCY,
  parseConcurrency,
  wholeNumber,
} from './options.js';

/** Adds `--concurrency` (what runs at once: `what`) and `--page-lines`; `more` ends each one's help. */
export function jobSizeOptions(
  command: Command,
  what: string,
  more: { concurrency?: string; pageLines?: string } = {},
): Command {
  return command
    .option(
      '--concurrency <n>',
      `${what} at once, 1–${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY})${more.concurrency ?? ''}`,
      parseConcurrency,
    )
    .option(
      '--page-lines <n>',
      `lines of FILE each page of the job reads, 1–100000 (default ${DEFAULT_PAGE_LINES})${more.pageLines ?? ''}`,
      wholeNumber('--page-lines', 1, 100_000),
    );
}

/** `--report x.csv` means the CSV; the JSONL goes beside it (a job always writes both). */
export function reportJsonlOf(report: string | undefined): string | undefined {
  if (report === undefined) return undefined;
  return /\.csv$/i.test(report) ? report.replace(/\.csv$/i, '.jsonl') : report;
}

/** `--detach`: the job's ID (or, with `--json`, its ID and state) on stdout, how to follow it on stderr. */
export function printDetached(
  job: { jobId: string; workflowId: string; started: boolean },
  json: boolean | undefined,
  follow: string,
): number {
  if (json)
    process.stdout.write(
      `${JSON.stringify({ jobId: job.jobId, workflowId: job.workflowId, started: job.started, status: 'running' })}\n`,
    );
  else process.stdout.write(`${job.jobId}\n`);
  process.stderr.write(`Follow it with: ${follow}\n`);
  return EXIT.ok;
}
