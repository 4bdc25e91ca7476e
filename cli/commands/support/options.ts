/**
 * Parsers for the numbers the commands take as flags, so each kind of number is checked and
 * refused in the same words everywhere. Light on purpose: the commands load it to build `--help`.
 */
import {
  concurrencyProblem,
  DEFAULT_CONCURRENCY,
  DEFAULT_PAGE_LINES,
  MAX_CONCURRENCY,
} from '../../../core/jobTypes.js';
import { notifyUrlProblem } from '../../../core/notify.js';
import { CliError, EXIT } from '../errors.js';

export { DEFAULT_CONCURRENCY, DEFAULT_PAGE_LINES, MAX_CONCURRENCY };

/** A parser for a flag that takes a whole number from `min` to `max`. */
export function wholeNumber(flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(n >= min && n <= max))
      throw new CliError(`${flag} must be a whole number ${min}–${max}, got "${value}"`, EXIT.usage);
    return n;
  };
}

/**
 * A job's concurrency as typed after `--concurrency` or as `concurrency JOB N`: a whole number
 * 1–MAX_CONCURRENCY, refused with the library's own message (exit 2).
 */
export function parseConcurrency(value: string): number {
  const problem = concurrencyProblem(value);
  if (problem) throw new CliError(problem, EXIT.usage);
  return Number(value);
}

/** `--notify URL`: an absolute http(s) URL, refused in the library's words (exit 2) before any job starts. */
export function parseNotifyUrl(value: string): string {
  const problem = notifyUrlProblem(value);
  if (problem) throw new CliError(problem, EXIT.usage);
  return value;
}
