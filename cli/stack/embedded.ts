/**
 * The embedded local stack of `dev` and `demo`, with errors an operator can act on (a busy port,
 * no Temporal CLI and no Go to build it).
 */
import { createServer } from 'node:net';
import { startStack, type Stack, type StackOptions } from './stack.js';
import { CliError, EXIT } from '../commands/errors.js';

/** Fails with one sentence naming the flag when a port is taken (0 = any free port, never busy). */
export async function ensurePortsFree(ports: readonly { flag: string; port: number }[]): Promise<void> {
  for (const { flag, port } of ports) {
    if (port === 0) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!free)
      throw new CliError(
        `port ${port} is in use (another friend-import dev or Temporal server?): pass ${flag} N (0 = any free port)`,
        EXIT.usage,
      );
  }
}

/**
 * The one stack (./stack.ts) as the `dev` and `demo` commands start it: a failure to start says
 * what to do in one sentence (a busy port and its flag, the Temporal CLI that could not be built).
 */
export async function startEmbeddedStack(
  options: StackOptions & { emulatorFlag?: string },
): Promise<EmbeddedStack> {
  try {
    return await startStack(options);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new CliError(
        `a port is in use: pass ${options.emulatorFlag ?? '--emulator-port'} N (0 = any free port)`,
        EXIT.usage,
      );
    // The CLI's own output follows the first line; keep it for FRIEND_IMPORT_DEBUG.
    if (process.env.FRIEND_IMPORT_DEBUG) process.stderr.write(`${e.message}\n`);
    throw new CliError(
      `could not start the embedded stack: ${e.message.split('\n')[0] ?? e.message}`,
      EXIT.failure,
    );
  }
}

type EmbeddedStack = Omit<Stack, 'emulator'> & { emulator?: Stack['emulator'] };
