/**
 * The Temporal dev server of the embedded local stack (docs/cli.md, `dev`): started from the pinned CLI
 * on free loopback ports, with our search attributes and one task-queue partition (so
 * `maxTaskQueueActivitiesPerSecond` is exact), optionally on a SQLite file and with the Web UI.
 * Tests, the CLI (`dev`, `demo`) and the benchmarks all start it through `startDevServer`.
 */
import type { SearchAttributeType } from '@temporalio/common';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SEARCH_ATTRIBUTES } from '../../core/searchAttributes.js';
import { ensureSearchAttributes } from '../../workers/registerSearchAttributes.js';

export { ensureSearchAttributes };
import { spawnGuarded, stopChild, tail } from './childProcess.js';
import { waitServing } from './health.js';
import { freePort, withFreshPorts } from './ports.js';
import { ensureTemporalCli } from './temporalCli.js';

export interface DevServerOptions {
  /** SQLite file for persistence; in-memory when absent. Its folder is created if needed. */
  dbFile?: string;
  /** Serve the Web UI (default false). */
  ui?: boolean;
  port?: number;
  uiPort?: number;
  namespace?: string;
  /** Remote codec endpoint handed to the UI (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
  /** Extra dynamic config, e.g. `{ 'limit.historyCount.suggestContinueAsNew': 200 }`. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** How long to wait for the server to become healthy (default 90 s). */
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  metricsUrl: string;
  dbFile?: string;
  cliPath: string;
  pid: number;
  /** Milliseconds from spawn to a SERVING health check with our search attributes in place. */
  startupMs: number;
  stop(): Promise<void>;
}

/** One partition per task queue: the server splits a task-queue rate limit across partitions. */
export const DEV_DYNAMIC_CONFIG: Record<string, string | number | boolean> = {
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
};

type Key = { name: string; type: SearchAttributeType };

const CLI_TYPE: Record<string, string> = {
  KEYWORD: 'Keyword',
  INT: 'Int',
  TEXT: 'Text',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

function searchAttributeFlags(keys: readonly Key[] = SEARCH_ATTRIBUTES): string[] {
  return keys.flatMap((k) => ['--search-attribute', `${k.name}=${CLI_TYPE[k.type]}`]);
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = await ensureTemporalCli(options.log ?? (() => {}));
  // Ports we choose ourselves may be taken before the server binds them: fresh ones then. A port
  // the caller named is theirs, and a clash on it is reported as it is.
  return withFreshPorts('temporal server start-dev', () => startOnce(cli.path, options));
}

async function startOnce(cliPath: string, options: DevServerOptions): Promise<DevServer> {
  const log = options.log ?? (() => {});
  const namespace = options.namespace ?? 'default';
  const port = options.port ?? (await freePort());
  const metricsPort = await freePort();
  // Chosen here too, or the CLI picks it the racy way (listen on 0, close, bind again).
  const httpPort = await freePort();
  const uiPort = options.ui ? (options.uiPort ?? (await freePort())) : undefined;
  const dbFile = options.dbFile ? resolve(options.dbFile) : undefined;
  if (dbFile) await mkdir(dirname(dbFile), { recursive: true });

  const dynamic = { ...DEV_DYNAMIC_CONFIG, ...options.dynamicConfig };
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--http-port',
    String(httpPort),
    '--metrics-port',
    String(metricsPort),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
    ...(dbFile ? ['--db-filename', dbFile] : []),
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
    ...searchAttributeFlags(),
    ...Object.entries(dynamic).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]),
  ];
  const started = Date.now();
  // Its own process group: a Ctrl-C in the terminal reaches only us, and we stop the server after
  // the workers that talk to it (its watchdog still ends it if we die).
  const child = spawnGuarded(cliPath, args, { detached: true });
  const output = tail(child.stdout);
  const errors = tail(child.stderr);
  const address = `127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await stopChild(child);
  };
  try {
    await waitServing(address, {
      label: 'temporal server start-dev',
      timeoutMs: options.startTimeoutMs ?? 90_000,
      child,
      onServing: (connection) => ensureSearchAttributes(connection, namespace),
    });
  } catch (err) {
    await stop();
    const detail = [errors(), output()].filter(Boolean).join('\n');
    const failure = new Error(
      `${(err as Error).message}${detail ? `\n--- temporal output ---\n${detail}` : ''}`,
    );
    // A clash on a port we chose is retried with fresh ones; on one the caller named it is final.
    const named = [options.port, options.uiPort].filter((p): p is number => !!p);
    const ours = !named.some((p) => detail.includes(`:${p}`));
    if (ours && /address already in use/i.test(detail))
      (failure as NodeJS.ErrnoException).code = 'EADDRINUSE';
    throw failure;
  }
  const startupMs = Date.now() - started;
  log(
    `Temporal dev server ready on ${address} in ${startupMs} ms${uiPort ? `, UI http://127.0.0.1:${uiPort}` : ''}`,
  );
  return {
    address,
    namespace,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    dbFile,
    cliPath,
    pid: child.pid ?? -1,
    startupMs,
    stop,
  };
}
