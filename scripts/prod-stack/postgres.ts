/**
 * A throw-away PostgreSQL cluster for the production-like stack: Debian's server binaries, a data
 * folder in a temp folder, 127.0.0.1 on a free port, trust authentication. PostgreSQL refuses to
 * run as root, so when we are root the cluster belongs to (and runs as) the `postgres` user the
 * Debian package creates.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chown, readdir, realpath } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { spawnGuarded, tail } from '../../cli/stack/childProcess.js';
import { isExecutable, projectRoot } from '../../cli/stack/temporalCli.js';

const run = promisify(execFile);

/** The database superuser: the name compose's PostgreSQL gets (POSTGRES_USER) and the server uses. */
export const PG_USER = 'temporal';
/** Ignored with trust authentication, but passed everywhere as in production. */
export const PG_PASSWORD = 'temporal';

/** PG_BIN_DIR, else the newest /usr/lib/postgresql/<major>/bin (Debian), else `initdb` on PATH. */
export async function findPostgresBin(): Promise<string | undefined> {
  const explicit = process.env.PG_BIN_DIR;
  if (explicit) {
    if (!(await isExecutable(join(explicit, 'initdb'))))
      throw new Error(`PG_BIN_DIR=${explicit} has no initdb`);
    return explicit;
  }
  const majors = (await readdir('/usr/lib/postgresql').catch(() => [] as string[]))
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = join('/usr/lib/postgresql', major, 'bin');
    if ((await isExecutable(join(bin, 'initdb'))) && (await isExecutable(join(bin, 'postgres')))) return bin;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, 'initdb')))) return dirname(await realpath(join(dir, 'initdb')));
  }
  return undefined;
}

/** Finds the server binaries, installing Debian's `postgresql` (scripts/install-system-deps.sh) when missing. */
export async function ensurePostgresBin(log: (line: string) => void = () => {}): Promise<string> {
  const found = await findPostgresBin();
  if (found) return found;
  log('PostgreSQL is not installed: running scripts/install-system-deps.sh…');
  try {
    await run('bash', [join(projectRoot, 'scripts', 'install-system-deps.sh')], {
      timeout: 15 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? (err as Error).message;
    throw new Error(
      `could not install PostgreSQL (Debian package postgresql): ${stderr.trim().split('\n').slice(-5).join('\n')}\n` +
        'Install it yourself, or set PG_BIN_DIR to a folder holding initdb and postgres.',
    );
  }
  const installed = await findPostgresBin();
  if (!installed)
    throw new Error(
      'PostgreSQL is still missing after scripts/install-system-deps.sh: set PG_BIN_DIR to a folder holding initdb and postgres',
    );
  return installed;
}

/** The uid and gid to run PostgreSQL as: ours, or the `postgres` user's when we are root. */
export async function postgresIdentity(): Promise<{ uid: number; gid: number; name: string } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid, name: 'postgres' };
  } catch {
    throw new Error(
      'PostgreSQL refuses to run as root and there is no `postgres` user to run it as: ' +
        'install Debian’s postgresql package (it creates the user) or run as an ordinary user',
    );
  }
}

export interface PostgresOptions {
  bin: string;
  /** The stack's temp folder; the data folder and the socket go inside. */
  dir: string;
  port: number;
  log?: (line: string) => void;
}

export interface Postgres {
  host: string;
  port: number;
  dataDir: string;
  user: string;
  password: string;
  /** The postmaster's pid (changes with each restart). */
  pid(): number;
  /** Fast shutdown (the default), or immediate (`hard`: like a crash, replayed from the WAL on start). */
  stop(options?: { hard?: boolean }): Promise<void>;
  start(): Promise<void>;
}

/** Creates the cluster (initdb) and starts it; resolves once it accepts connections. */
export async function startPostgres(options: PostgresOptions): Promise<Postgres> {
  const log = options.log ?? (() => {});
  const identity = await postgresIdentity();
  const as = identity ? { uid: identity.uid, gid: identity.gid } : {};
  if (identity) await chown(options.dir, identity.uid, identity.gid);
  const dataDir = join(options.dir, 'pgdata');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' };
  try {
    await run(
      join(options.bin, 'initdb'),
      ['-D', dataDir, '-U', PG_USER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { ...as, env, cwd: options.dir, timeout: 120_000 },
    );
  } catch (err) {
    throw new Error(`initdb failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`);
  }

  let child: ChildProcess | undefined;
  let output: () => string = () => '';
  const start = async (): Promise<void> => {
    const started = Date.now();
    // Only TCP on 127.0.0.1, and the socket in our temp folder rather than /var/run/postgresql.
    child = spawnGuarded(
      join(options.bin, 'postgres'),
      ['-D', dataDir, '-p', String(options.port), '-k', options.dir, '-c', 'listen_addresses=127.0.0.1'],
      // Its own process group, so a Ctrl-C meant for us leaves the shutdown order to us.
      { ...as, env, cwd: options.dir, detached: true },
    );
    output = tail(child.stderr);
    await waitReady(child, 60_000, () => output());
    log(`PostgreSQL on 127.0.0.1:${options.port} ready in ${Date.now() - started} ms`);
  };

  const waitReady = async (c: ChildProcess, timeoutMs: number, out: () => string): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (c.exitCode !== null || c.signalCode !== null)
        throw new Error(`postgres exited early (${c.exitCode ?? c.signalCode}):\n${out()}`);
      const ready = await run(
        join(options.bin, 'pg_isready'),
        ['-q', '-h', '127.0.0.1', '-p', String(options.port), '-U', PG_USER, '-d', 'postgres'],
        { timeout: 10_000 },
      ).then(
        () => true,
        () => false,
      );
      if (ready) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`PostgreSQL on 127.0.0.1:${options.port} not ready within ${timeoutMs} ms:\n${out()}`);
  };

  const stop = async ({ hard = false } = {}): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, 'exit');
    // SIGINT: fast shutdown (disconnects clients, checkpoints). SIGQUIT: immediate, like a crash.
    // Never SIGTERM: a smart shutdown waits for the Temporal server to hang up, which it won't.
    c.kill(hard ? 'SIGQUIT' : 'SIGINT');
    const escalate = setTimeout(() => c.kill('SIGQUIT'), 30_000);
    const kill = setTimeout(() => c.kill('SIGKILL'), 45_000);
    await exited;
    clearTimeout(escalate);
    clearTimeout(kill);
  };

  await start();
  return {
    host: '127.0.0.1',
    port: options.port,
    dataDir,
    user: PG_USER,
    password: PG_PASSWORD,
    pid: () => child?.pid ?? -1,
    stop,
    start,
  };
}
