/**
 * `friend-import dev [--temporal-port N] [--ui-port N] [--emulator-port N] [--db FILE]
 * [--object-store]` (docs/cli.md): the embedded stack until Ctrl-C — the Temporal dev server with
 * its UI, the IM emulator (unless IM_BASE_URL or IM_REGION names a real service; then the worker
 * talks to it with the IM_* settings), a worker in this process and, with --object-store, an
 * S3-compatible store on loopback. Prints the addresses, then exactly one `ready {…}` line on
 * stdout for scripts.
 */
import type { Command } from 'commander';
import { CliError, EXIT } from './errors.js';

interface DevOptions {
  temporalPort: number;
  uiPort: number;
  emulatorPort: number;
  db?: string;
  emulatorDb?: string;
  accounts?: string;
  objectStore?: boolean;
}

const DEV_DEFAULTS = { temporalPort: 7233, uiPort: 8233, emulatorPort: 5080 } as const;

function port(flag: string): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(n >= 0 && n <= 65535))
      throw new CliError(`${flag} must be a port 0–65535, got "${value}"`, EXIT.usage);
    return n;
  };
}

async function readAccounts(file: string): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  try {
    return (await readFile(file, 'utf8'))
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
  } catch (err) {
    throw new CliError(
      `--accounts: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`,
      EXIT.usage,
    );
  }
}

async function runDev(opts: DevOptions): Promise<void> {
  const { loadImSettings } = await import('../../config/im.js');
  const { loadLogLevel } = await import('../../config/worker.js');
  const { ensurePortsFree, startEmbeddedStack } = await import('../stack/embedded.js');
  const { runWorker } = await import('../../workers/main.js');
  const { TEMPORAL_DEFAULTS } = await import('../../connection/connect.js');
  const { localFileRoots } = await import('../stack/workerProcesses.js');
  const { delimiter } = await import('node:path');
  const { startDevObjectStore } = await import('./support/devObjectStore.js');
  const env = process.env;
  const logLevel = loadLogLevel(env, 'warn');
  const remoteIm = Boolean(env.IM_BASE_URL || env.IM_REGION);
  await ensurePortsFree([
    { flag: '--temporal-port', port: opts.temporalPort },
    { flag: '--ui-port', port: opts.uiPort },
    ...(remoteIm ? [] : [{ flag: '--emulator-port', port: opts.emulatorPort }]),
  ]);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const accounts = opts.accounts ? await readAccounts(opts.accounts) : undefined;
  // Started first: its build (once per machine) or start failing leaves nothing else to stop.
  const store = opts.objectStore ? await startDevObjectStore(log) : undefined;

  const settings = loadImSettings(env, {
    local: true,
    localBaseUrl: `http://127.0.0.1:${opts.emulatorPort}/`,
  });
  const taskQueue = env.TEMPORAL_TASK_QUEUE?.trim() || TEMPORAL_DEFAULTS.taskQueue;
  // The worker runs below with `friend-import worker`'s own assembly (health, metrics, env), so
  // the stack starts none.
  const stack = await startEmbeddedStack({
    im: settings,
    emulator: remoteIm
      ? false
      : {
          port: opts.emulatorPort,
          rateLimit: settings.rateLimit,
          ...(opts.emulatorDb && { dbFile: opts.emulatorDb }),
          ...(accounts && { accounts }),
        },
    devServer: {
      ui: true,
      // 0 means any free port: the dev server picks one when none is given.
      ...(opts.temporalPort && { port: opts.temporalPort }),
      ...(opts.uiPort && { uiPort: opts.uiPort }),
      ...(opts.db && { dbFile: opts.db }),
      log,
    },
    taskQueue,
    worker: false,
  }).catch(async (err: unknown) => {
    await store?.stop();
    throw err;
  });
  const { devServer, im, emulator } = stack;
  // The first Ctrl-C drains the worker, then stops the server and the emulator; a second one
  // ends everything at once (the children are killed as this process exits).
  let signals = 0;
  const onSignal = (): void => {
    if (++signals < 2) return;
    log('friend-import dev: stopping everything now.');
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // The worker reaches this dev server whatever TEMPORAL_* say (TLS, API key are for clusters).
    const workerEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('TEMPORAL_')));
    await runWorker({
      env: {
        ...workerEnv,
        LOG_LEVEL: logLevel,
        WORKER_FILE_ROOTS: localFileRoots(env).join(delimiter),
        TEMPORAL_ADDRESS: devServer.address,
        TEMPORAL_NAMESPACE: devServer.namespace,
        TEMPORAL_TASK_QUEUE: taskQueue,
        ...store?.workerEnv,
      },
      im,
      onReady: ({ callsTaskQueue }) => {
        const where = emulator
          ? `${im.baseUrl} — the emulator, SDKAppID ${im.sdkAppId}, admin ${im.adminIdentifier} (state ${opts.emulatorDb ?? 'in memory'})`
          : `${im.baseUrl} — SDKAppID ${im.sdkAppId}, admin ${im.adminIdentifier}`;
        log(
          [
            'friend-import dev: the embedded stack is up.',
            `  Temporal     ${devServer.address} (namespace ${devServer.namespace}, state ${devServer.dbFile ?? 'in memory'})`,
            `  Temporal UI  ${devServer.uiUrl ?? '(none)'}`,
            `  IM           ${where}`,
            `  worker       in this process: task queue ${taskQueue}, calls on ${callsTaskQueue} at ${im.rateLimit}/s`,
            ...(store ? [store.summary] : []),
            'From another terminal:',
            `  export TEMPORAL_ADDRESS=${devServer.address} TEMPORAL_TASK_QUEUE=${taskQueue} IM_SDKAPPID=${im.sdkAppId}`,
            '  friend-import import friends.jsonl      # or: friend-import user alice items.json',
            ...(store?.exportLines ?? []),
            ...(emulator && !opts.accounts
              ? [
                  '  (the emulator knows no accounts yet: pass --accounts FILE, or import them with account_import)',
                ]
              : []),
            'Ctrl-C stops everything.',
          ].join('\n'),
        );
        process.stdout.write(
          `ready ${JSON.stringify({
            temporalAddress: devServer.address,
            uiUrl: devServer.uiUrl ?? null,
            imBaseUrl: im.baseUrl,
            namespace: devServer.namespace,
            taskQueue,
            sdkAppId: im.sdkAppId,
            ...(store && { objectStore: store.readyField }),
          })}\n`,
        );
      },
    });
    // runWorker returns once Ctrl-C (SIGINT/SIGTERM) has drained the workers.
    log('friend-import dev: stopping…');
  } finally {
    await stack.stop().catch(() => undefined);
    await store?.stop().catch(() => undefined);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  log('friend-import dev: stopped.');
}

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description(
      'run the embedded stack until Ctrl-C: Temporal dev server with UI, IM emulator and a worker; with IM_BASE_URL or IM_REGION set, no emulator starts and the worker calls that service with the IM_* settings',
    )
    .option(
      '--temporal-port <n>',
      `Temporal frontend port (default ${DEV_DEFAULTS.temporalPort}; 0 = any free port)`,
      port('--temporal-port'),
      DEV_DEFAULTS.temporalPort,
    )
    .option(
      '--ui-port <n>',
      `Temporal UI port (default ${DEV_DEFAULTS.uiPort}; 0 = any free port)`,
      port('--ui-port'),
      DEV_DEFAULTS.uiPort,
    )
    .option(
      '--emulator-port <n>',
      `IM emulator port (default ${DEV_DEFAULTS.emulatorPort}; 0 = any free port)`,
      port('--emulator-port'),
      DEV_DEFAULTS.emulatorPort,
    )
    .option('--db <file>', "SQLite file for Temporal's state (default: in memory)")
    .option('--emulator-db <file>', "SQLite file for the emulator's state (default: in memory)")
    .option('--accounts <file>', 'UserIDs the emulator knows as imported accounts, one per line')
    .option(
      '--object-store',
      'also run an S3-compatible object store (SeaweedFS) on loopback for s3:// sources and reports; its settings are in the ready line',
    )
    .action(async (opts: DevOptions) => {
      await runDev(opts);
      process.exit(EXIT.ok);
    });
}
