/** How the CLI reports failures: one clear sentence on stderr and a contract exit code, no stack trace. */
import { SettingsError } from '../../im/config.js';

/**
 * Exit codes (product.md §5, plus the ones it leaves to us): 0 every item imported; 1 the job (or
 * the command) failed — configuration, unreachable cluster, a job that failed or was terminated;
 * 2 bad usage or input that could not be read; 3 finished with failed items; 4 the job was
 * cancelled (items not reached are not in the report); 130 Ctrl-C detached from a running job.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, itemsFailed: 3, cancelled: 4, interrupted: 130 } as const;

/** An error whose message is already meant for the operator. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function exitWithError(err: unknown): never {
  if (err instanceof CliError) {
    process.stderr.write(`friend-import: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  if (err instanceof SettingsError) {
    process.stderr.write(`friend-import: ${err.message}\n`);
    process.exit(EXIT.usage);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`friend-import: ${message}\n`);
  if (process.env.FRIEND_IMPORT_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(EXIT.failure);
}
