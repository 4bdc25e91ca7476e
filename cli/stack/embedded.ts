/**
 * The embedded local stack of `dev` and `demo` (product.md §6): the Temporal dev server with its
 * UI, the IM emulator and an in-process worker, each started here with errors an operator can act
 * on (a busy port, no Temporal CLI and no Go to build it).
 */
import { createServer } from 'node:net';
import type { Emulator, EmulatorOptions } from '../../emulator/index.js';
import type { ImSettings } from '../../config/im.js';
import type { DevServer } from './devServer.js';
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

export async function startTemporal(options: {
  port?: number;
  uiPort?: number;
  dbFile?: string;
  ui: boolean;
  log?: (line: string) => void;
}): Promise<DevServer> {
  const { startDevServer } = await import('./devServer.js');
  try {
    return await startDevServer({
      ui: options.ui,
      ...(options.port && { port: options.port }),
      ...(options.uiPort && { uiPort: options.uiPort }),
      ...(options.dbFile && { dbFile: options.dbFile }),
      ...(options.log && { log: options.log }),
    });
  } catch (err) {
    const message = (err as Error).message;
    // The CLI's own output follows the first line; keep it for FRIEND_IMPORT_DEBUG.
    if (process.env.FRIEND_IMPORT_DEBUG) process.stderr.write(`${message}\n`);
    throw new CliError(
      `could not start the Temporal dev server: ${message.split('\n')[0] ?? message}`,
      EXIT.failure,
    );
  }
}

export type LocalEmulatorOptions = Omit<EmulatorOptions, 'sdkAppId' | 'adminIdentifiers' | 'secretKey'>;

/** The emulator for the app in `im` (the embedded local app unless IM_* say otherwise). */
export async function startLocalEmulator(
  im: Pick<ImSettings, 'sdkAppId' | 'adminIdentifier' | 'secretKey'>,
  options: LocalEmulatorOptions,
): Promise<Emulator> {
  const { startEmulator } = await import('../../emulator/index.js');
  try {
    return await startEmulator({
      ...options,
      sdkAppId: im.sdkAppId,
      adminIdentifiers: [im.adminIdentifier],
      secretKey: im.secretKey,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new CliError(
        `port ${options.port} is in use: pass --emulator-port N (0 = any free port)`,
        EXIT.usage,
      );
    throw new CliError(`could not start the IM emulator: ${e.message}`, EXIT.failure);
  }
}

export interface InProcessWorker {
  taskQueue: string;
  /** Drains and stops the workers and closes their connections. */
  stop(): Promise<void>;
  /** Resolves when the workers stop (e.g. they failed). */
  done: Promise<void>;
}

/**
 * Workers in this process for the embedded stack (`demo`). `dev` runs `runWorker` instead, which is
 * what `friend-import worker` runs.
 */
export async function startInProcessWorker(options: {
  address: string;
  namespace: string;
  taskQueue: string;
  im: ImSettings;
  logLevel: string;
}): Promise<InProcessWorker> {
  const { NativeConnection, Runtime } = await import('@temporalio/worker');
  const { Client, Connection } = await import('@temporalio/client');
  const { createLogger, temporalLogger } = await import('../../workers/logger.js');
  const { createImportWorkers } = await import('../../workers/worker.js');
  // Our own Ctrl-C handling stops the stack in order; the runtime must not react to signals itself.
  Runtime.install({ logger: temporalLogger(createLogger(options.logLevel)), shutdownSignals: [] });
  const native = await NativeConnection.connect({ address: options.address });
  const connection = await Connection.connect({ address: options.address });
  const client = new Client({ connection, namespace: options.namespace });
  const workers = await createImportWorkers({
    connection: native,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    im: options.im,
    client,
  });
  const done = workers.run();
  return {
    taskQueue: options.taskQueue,
    done,
    stop: async () => {
      workers.shutdown();
      await done.catch(() => undefined);
      await connection.close();
      await native.close();
    },
  };
}
