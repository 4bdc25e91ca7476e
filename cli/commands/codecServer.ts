/**
 * `friend-import codec-server [--port N] [--host IP] [--origin URL...]`: serves the payload codec
 * to the Temporal Web UI and CLI (Temporal's remote codec protocol) with the keys in
 * FRIEND_IMPORT_CODEC_KEYS. Prints `ready {"url":…}` once listening; stops on SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { CliError, EXIT } from './errors.js';

const DEFAULT_PORT = 8888;

function parsePort(value: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new CliError(`--port must be 0–65535, got "${value}"`, EXIT.usage);
  return port;
}

function parseOrigin(value: string, previous: string[] | undefined): string[] {
  if (value !== '*') {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    // Browsers send the bare origin (scheme://host[:port]); a path or a trailing slash would never match.
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== value)
      throw new CliError(`--origin must be an origin like http://localhost:8233, got "${value}"`, EXIT.usage);
  }
  return [...(previous ?? []), value];
}

export function registerCodecServer(program: Command): void {
  program
    .command('codec-server')
    .description(
      'serve the payload-encryption codec to the Temporal UI and CLI (keys: FRIEND_IMPORT_CODEC_KEYS)',
    )
    .option('--port <n>', `port to listen on, 0 = any free port (default ${DEFAULT_PORT})`, parsePort)
    .option('--host <ip>', 'address to bind (default 127.0.0.1; 0.0.0.0 in a container)')
    .option(
      '--origin <url...>',
      'browser origin allowed to call it, repeatable; * = any (default: the dev UI on port 8233)',
      parseOrigin,
    )
    .action(async (opts: { port?: number; host?: string; origin?: string[] }) => {
      const { codecFromEnv, CODEC_KEYS_ENV } = await import('../../connection/codec.js');
      const { startCodecServer, DEFAULT_ORIGINS } = await import('../stack/codecEndpoint.js');
      const codec = codecFromEnv(process.env);
      if (!codec)
        throw new CliError(
          `${CODEC_KEYS_ENV} is not set: the codec server needs the same keys as the worker (<id>:<base64 of 32 bytes>,…)`,
          EXIT.usage,
        );
      const origins = opts.origin ?? DEFAULT_ORIGINS;
      const port = opts.port ?? DEFAULT_PORT;
      const host = opts.host ?? '127.0.0.1';
      const server = await startCodecServer({ codec, port, host, origins }).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
          throw new CliError(
            `port ${port} on ${host} is in use: pass --port N (0 = any free port)`,
            EXIT.usage,
          );
        throw err;
      });
      process.stderr.write(
        `codec server on ${server.url}: keys ${codec.keyIds.join(', ')} (active ${codec.activeKeyId}); origins ${origins.join(', ')}\n`,
      );
      process.stdout.write(`ready ${JSON.stringify({ url: server.url })}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}
