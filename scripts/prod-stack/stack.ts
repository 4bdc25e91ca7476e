/**
 * A local production-like Temporal: the pinned server (not the CLI's dev server) on a throw-away
 * PostgreSQL cluster, configured by the same files docker-compose.yml uses (./settings.ts), with
 * our namespace and search attributes. Tests and benchmarks start it with `startProdStack`, and
 * can restart the server or PostgreSQL mid-run to show that work survives both.
 *
 * Everything lives in one temp folder and is removed by `stop()`. When the process dies without
 * calling it, each child's watchdog stops it and a janitor removes the folder a few seconds later.
 */
import { Connection } from '@temporalio/client';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SEARCH_ATTRIBUTES } from '../../core/searchAttributes.js';
import { pidAlive, spawnGuarded, tail } from '../../cli/stack/childProcess.js';
import { waitServing } from '../../cli/stack/health.js';
import { freePort, freePorts, withFreshPorts } from '../../cli/stack/ports.js';
import { ensureTemporalCli } from '../../cli/stack/temporalCli.js';
import { ensureServerBinaries } from './binaries.js';
import { ensurePostgresBin, startPostgres, type Postgres } from './postgres.js';
import {
  CREATE_NAMESPACE_SCRIPT,
  SERVER_PORT_VARS,
  SETUP_SCHEMA_SCRIPT,
  START_SERVER_SCRIPT,
  dynamicConfigWithExtras,
  serverEnv,
  type ServerPorts,
} from './settings.js';

const run = promisify(execFile);

export interface ProdStackOptions {
  /** Default `default`, as in docker-compose.yml. */
  namespace?: string;
  /** The frontend's gRPC port (default: a free one). */
  port?: number;
  /** Test-only dynamic config added to the shared file (keys it already sets are refused). */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** The server's log level (default `warn`; production logs at `info`). */
  logLevel?: string;
  /** Bound on each wait for a healthy server or PostgreSQL (default 120 s). */
  startTimeoutMs?: number;
  /** Aborting it during the start stops what was started, removes the temp folder and rejects. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface RestartOptions {
  /** Kill instead of a graceful stop: SIGKILL for the server, an immediate shutdown for PostgreSQL. */
  hard?: boolean;
  /** How long to stay down before starting again (default 0). */
  downtimeMs?: number;
}

export interface RestartTiming {
  /** From the stop request until the process was gone. */
  stopMs: number;
  /** From the start until healthy again. */
  startMs: number;
}

export interface ProdStack {
  /** `127.0.0.1:<port>` of the frontend. */
  address: string;
  namespace: string;
  /** This harness serves no Web UI; compose does (temporal-ui). */
  uiUrl?: string;
  /** The server's Prometheus endpoint (same metric names as the dev server). */
  metricsUrl: string;
  /** The temp folder holding the cluster; gone after `stop()`. */
  dir: string;
  pg: { host: string; port: number; dataDir: string; user: string; password: string };
  /** Milliseconds from the call until healthy with our namespace and search attributes (builds excluded). */
  startupMs: number;
  serverVersion: string;
  /** The live processes: the server and the PostgreSQL postmaster (undefined while stopped). */
  pids(): { server?: number; postgres?: number };
  restartServer(options?: RestartOptions): Promise<RestartTiming>;
  restartPostgres(options?: RestartOptions): Promise<RestartTiming>;
  stop(): Promise<void>;
}

function alive(child: ChildProcess | undefined): boolean {
  return !!child && child.exitCode === null && child.signalCode === null;
}

/** Removes `dir` a few seconds after this process is gone, unless `stop()` removed it first. */
function startJanitor(dir: string): ChildProcess {
  // The children's watchdogs need up to 6 s (SIGTERM, then SIGKILL 5 s later) to stop them.
  const script =
    'while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done; ' +
    'if [ -d "$2" ]; then sleep 8; rm -rf -- "$2"; fi';
  const janitor = spawn('sh', ['-c', script, 'prod-stack-janitor', String(process.pid), dir], {
    stdio: 'ignore',
    detached: true,
  });
  janitor.unref();
  return janitor;
}

export async function startProdStack(options: ProdStackOptions = {}): Promise<ProdStack> {
  // The ports are chosen free and bound by other processes a moment later: on a clash, the whole
  // start (it is torn down on any failure) runs again on fresh ports (cli/stack/ports.ts).
  return withFreshPorts('the production-like stack', () => startOnce(options));
}

async function startOnce(options: ProdStackOptions): Promise<ProdStack> {
  const log = options.log ?? (() => {});
  const signal = options.signal ?? new AbortController().signal;
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  const namespace = options.namespace ?? 'default';
  // Installs and builds first, so startupMs measures the stack alone.
  const pgBin = await ensurePostgresBin(log);
  const binaries = await ensureServerBinaries(log);
  const cli = await ensureTemporalCli(log);
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'prod-stack-'));
  const janitor = startJanitor(dir);
  let pg: Postgres | undefined;
  let server: ChildProcess | undefined;
  let serverOutput: () => string = () => '';

  const cleanup = async (): Promise<void> => {
    if (server) await stopServer(server, false);
    await pg?.stop();
    if (alive(janitor)) janitor.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };

  try {
    signal.throwIfAborted();
    const pgPort = await freePort();
    const metricsPort = await freePort();
    // Below 32768 (freePort's range): the server records its ports in a SMALLINT column.
    const rest = await freePorts(SERVER_PORT_VARS.length - (options.port ? 1 : 0));
    const portList = options.port ? [options.port, ...rest] : rest;
    const ports = Object.fromEntries(SERVER_PORT_VARS.map((name, i) => [name, portList[i]])) as ServerPorts;
    pg = await startPostgres({ bin: pgBin, dir, port: pgPort, log });
    const pgInfo = { host: pg.host, port: pg.port, user: pg.user, password: pg.password };

    const schema = await runScript(
      SETUP_SCHEMA_SCRIPT,
      {
        SQL_TOOL: binaries.sqlTool,
        SCHEMA_DIR: binaries.schemaDir,
        SQL_HOST: pg.host,
        SQL_PORT: String(pg.port),
        SQL_USER: pg.user,
        SQL_PASSWORD: pg.password,
      },
      signal,
    );
    log(`schemas ready in ${schema.ms} ms`);

    let dynamicConfigFile: string | undefined;
    if (options.dynamicConfig && Object.keys(options.dynamicConfig).length > 0) {
      dynamicConfigFile = join(dir, 'dynamicconfig.yaml');
      await writeFile(dynamicConfigFile, dynamicConfigWithExtras(options.dynamicConfig));
    }
    const env = serverEnv({
      postgres: pgInfo,
      ports,
      metricsAddress: `127.0.0.1:${metricsPort}`,
      binary: binaries.server,
      logLevel: options.logLevel ?? 'warn',
      dynamicConfigFile,
    });
    const address = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;

    const startServer = async (abort: AbortSignal = new AbortController().signal): Promise<void> => {
      // Its own process group: a Ctrl-C meant for us must not reach it before our orderly stop.
      const child = spawnGuarded('sh', [START_SERVER_SCRIPT], { env, detached: true });
      server = child;
      const out = tail(child.stdout);
      const err = tail(child.stderr);
      // Its log lines carry whole stack traces: keep their heads.
      serverOutput = () =>
        [err(), out()]
          .join('\n')
          .split('\n')
          .filter(Boolean)
          .map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line))
          .join('\n');
      await waitServing(address, { label: 'the Temporal server', timeoutMs, child, signal: abort });
    };
    await startServer(signal);

    const init = await runScript(
      CREATE_NAMESPACE_SCRIPT,
      {
        TEMPORAL_CLI: cli.path,
        TEMPORAL_ADDRESS: address,
        NAMESPACE: namespace,
        // The CLI reads its profiles from $HOME: an empty one keeps the user's out.
        HOME: dir,
      },
      signal,
    );
    log(`namespace ${namespace} and search attributes ready in ${init.ms} ms`);
    await waitNamespace(address, namespace, timeoutMs, signal);
    const startupMs = Date.now() - started;
    const serverVersion = binaries.version.replace(/^.*version\s+/, '');
    log(`Temporal ${serverVersion} on PostgreSQL ready on ${address} in ${startupMs} ms`);

    let stopping: Promise<void> | undefined;
    const activePg = pg;
    return {
      address,
      namespace,
      uiUrl: undefined,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      dir,
      pg: { ...pgInfo, dataDir: pg.dataDir },
      startupMs,
      serverVersion,
      pids: () => ({
        server: server && alive(server) ? server.pid : undefined,
        postgres: activePg.pid() > 0 && pidAlive(activePg.pid()) ? activePg.pid() : undefined,
      }),
      restartServer: async ({ hard = false, downtimeMs = 0 } = {}) => {
        if (stopping) throw new Error('the stack is stopped');
        const t0 = Date.now();
        if (server) await stopServer(server, hard);
        const stopMs = Date.now() - t0;
        if (downtimeMs > 0) await new Promise((r) => setTimeout(r, downtimeMs));
        const t1 = Date.now();
        await startServer();
        await waitNamespace(address, namespace, timeoutMs);
        log(`server restarted: stopped in ${stopMs} ms, healthy ${Date.now() - t1} ms after its start`);
        return { stopMs, startMs: Date.now() - t1 };
      },
      restartPostgres: async ({ hard = false, downtimeMs = 0 } = {}) => {
        if (stopping) throw new Error('the stack is stopped');
        const t0 = Date.now();
        await activePg.stop({ hard });
        const stopMs = Date.now() - t0;
        if (downtimeMs > 0) await new Promise((r) => setTimeout(r, downtimeMs));
        const t1 = Date.now();
        await activePg.start();
        // The server reconnects by itself; wait until it answers from the database again.
        await waitNamespace(address, namespace, timeoutMs);
        log(
          `PostgreSQL restarted: stopped in ${stopMs} ms, server answering ${Date.now() - t1} ms after its start`,
        );
        return { stopMs, startMs: Date.now() - t1 };
      },
      stop: () => (stopping ??= cleanup()),
    };
  } catch (err) {
    const detail = serverOutput();
    await cleanup().catch(() => {});
    const failure: NodeJS.ErrnoException = new Error(
      `${(err as Error).message}${detail ? `\n--- temporal server output ---\n${detail}` : ''}`,
      { cause: err },
    );
    if (
      /address already in use/i.test(failure.message) &&
      !(options.port && failure.message.includes(`:${options.port}`))
    )
      failure.code = 'EADDRINUSE';
    throw failure;
  }
}

/** SIGTERM and a bounded wait (the server drains and leaves the membership ring), or SIGKILL. */
async function stopServer(child: ChildProcess, hard: boolean): Promise<void> {
  if (!alive(child)) return;
  const exited = once(child, 'exit');
  child.kill(hard ? 'SIGKILL' : 'SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** Runs one of the shared deploy scripts with exactly `env` (plus PATH), bounded. */
async function runScript(
  script: string,
  env: Record<string, string>,
  signal: AbortSignal,
): Promise<{ ms: number; output: string }> {
  const t0 = Date.now();
  try {
    const { stdout, stderr } = await run('sh', [script], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      signal,
      timeout: 180_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { ms: Date.now() - t0, output: `${stdout}${stderr}` };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const out = `${e.stderr ?? ''}${e.stdout ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${script} failed: ${e.message.split('\n')[0]}\n${out}`, { cause: err });
  }
}

const NOT_FOUND = 5;

/**
 * Waits until the namespace has every one of our search attributes and the server answers from
 * both databases: the namespace and its attributes may come from the server's caches, so a
 * visibility query and a lookup of an unknown workflow make it read the databases.
 */
async function waitNamespace(
  address: string,
  namespace: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: '2s' });
      const service = connection.workflowService;
      await service.describeNamespace({ namespace });
      const listed = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = SEARCH_ATTRIBUTES.filter((k) => !(k.name in (listed.customAttributes ?? {})));
      if (missing.length > 0)
        throw new Error(`search attributes missing: ${missing.map((k) => k.name).join(', ')}`);
      await service.listWorkflowExecutions({ namespace, pageSize: 1 });
      const probe = { workflowId: `prod-stack-probe-${Date.now()}` };
      const found = await service.describeWorkflowExecution({ namespace, execution: probe }).then(
        () => true,
        (err: { code?: number }) => {
          if (err.code === NOT_FOUND) return false;
          throw err;
        },
      );
      if (!found) return;
    } catch (err) {
      lastError = (err as Error).message;
    } finally {
      await connection?.close();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`namespace ${namespace} on ${address} not ready within ${timeoutMs} ms (${lastError})`);
}
