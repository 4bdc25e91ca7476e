/** How the CLI reports failures: one clear sentence on stderr and a contract exit code, no stack trace. */
import { SettingsError } from '../../config/im.js';

/**
 * Exit codes (docs/cli.md): 0 every item imported; 1 the job (or the command) failed —
 * configuration, unreachable cluster, a job that failed or was terminated; 2 bad usage or input
 * that could not be read; 3 finished with failed items; 4 the job was cancelled (items not reached
 * are not in the report); 130 Ctrl-C detached from a running job.
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

/**
 * Exits once stdout and stderr have handed everything to the OS: on Linux, writes to a pipe are
 * asynchronous, and `process.exit` right after a large write (a `--json` summary with every bad
 * row) would cut it short.
 */
export async function exitAfterOutput(code: number): Promise<never> {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) => new Promise<void>((resolve) => stream.write('', () => resolve())),
    ),
  );
  process.exit(code);
}

/**
 * A message on one line: ours are written that way, but a library's may span several (a gRPC
 * status with details, a tool's output), and an error is one sentence on one line for people and
 * for scripts that read stderr.
 */
export function oneLine(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}

export async function exitWithError(err: unknown): Promise<never> {
  const say = (line: string): void => void process.stderr.write(`friend-import: ${oneLine(line)}\n`);
  if (err instanceof CliError) {
    say(err.message);
    return exitAfterOutput(err.exitCode);
  }
  // A job that cannot start as asked (client/jobs.ts JobStartError) is bad usage too; matched by name
  // so that every command does not load the Temporal client to report an error.
  if (err instanceof SettingsError || (err instanceof Error && err.name === 'JobStartError')) {
    say(err.message);
    return exitAfterOutput(EXIT.usage);
  }
  say(err instanceof Error ? err.message : String(err));
  if (process.env.FRIEND_IMPORT_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return exitAfterOutput(EXIT.failure);
}
