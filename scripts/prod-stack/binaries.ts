/**
 * The Temporal server and its SQL schema tool, pinned to the release the CLI's dev server embeds
 * (v1.29.1), with that release's PostgreSQL schemas. Built once with `go install` into the
 * project's ignored cache folder, next to the CLI (cli/stack/temporalCli.ts). Order: the
 * TEMPORAL_SERVER_PATH / TEMPORAL_SQL_TOOL_PATH / TEMPORAL_SCHEMA_DIR variables, then the cache,
 * then a build.
 */
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheDir, checkGo, isExecutable } from '../../cli/stack/temporalCli.js';

const run = promisify(execFile);

export const SERVER_VERSION = 'v1.29.1';
const SERVER_MODULE = 'go.temporal.io/server';

export interface ServerBinaries {
  /** The server binary (`temporal-server` in the server image). */
  server: string;
  /** The SQL schema tool (`temporal-sql-tool` in the admin-tools image). */
  sqlTool: string;
  /** The release's `schema` folder (it holds `postgresql/v12/{temporal,visibility}/versioned`). */
  schemaDir: string;
  source: 'env' | 'cache' | 'built';
  /** `server --version`, e.g. `temporal version 1.29.1`. */
  version: string;
}

/** Where the build goes: `.cache/temporal-server/v1.29.1/{server,sql,schema/}`. */
export function serverCacheDir(): string {
  return join(cacheDir(), 'temporal-server', SERVER_VERSION);
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

function postgresSchemaDir(schemaDir: string): string {
  return join(schemaDir, 'postgresql', 'v12');
}

async function version(path: string): Promise<string> {
  const { stdout } = await run(path, ['--version'], { timeout: 30_000 });
  return stdout.trim();
}

/** Throws unless `path --version` names the pinned release (the schemas must match the server). */
async function checkedVersion(path: string, what: string): Promise<string> {
  const v = await version(path).catch((err: unknown) => {
    throw new Error(`${what} ${path} does not run: ${(err as Error).message}`);
  });
  if (!v.endsWith(` ${SERVER_VERSION.slice(1)}`))
    throw new Error(`${what} ${path} is "${v}"; the production stack pins ${SERVER_VERSION}`);
  return v;
}

/** Finds the binaries without building them; `undefined` when a build is needed. */
export async function findServerBinaries(): Promise<ServerBinaries | undefined> {
  const env = {
    server: process.env.TEMPORAL_SERVER_PATH,
    sqlTool: process.env.TEMPORAL_SQL_TOOL_PATH,
    schemaDir: process.env.TEMPORAL_SCHEMA_DIR,
  };
  if (env.server || env.sqlTool || env.schemaDir) {
    if (!env.server || !env.sqlTool || !env.schemaDir)
      throw new Error(
        'set all of TEMPORAL_SERVER_PATH, TEMPORAL_SQL_TOOL_PATH and TEMPORAL_SCHEMA_DIR, or none of them',
      );
    if (!(await isDir(postgresSchemaDir(env.schemaDir))))
      throw new Error(`TEMPORAL_SCHEMA_DIR=${env.schemaDir} has no postgresql/v12 folder`);
    await checkedVersion(env.sqlTool, 'TEMPORAL_SQL_TOOL_PATH');
    const v = await checkedVersion(env.server, 'TEMPORAL_SERVER_PATH');
    return { server: env.server, sqlTool: env.sqlTool, schemaDir: env.schemaDir, source: 'env', version: v };
  }
  const dir = serverCacheDir();
  const found = { server: join(dir, 'server'), sqlTool: join(dir, 'sql'), schemaDir: join(dir, 'schema') };
  if (
    (await isExecutable(found.server)) &&
    (await isExecutable(found.sqlTool)) &&
    (await isDir(postgresSchemaDir(found.schemaDir)))
  )
    return { ...found, source: 'cache', version: await version(found.server) };
  return undefined;
}

/** Makes a copied tree writable by its owner: the Go module cache hands out read-only folders. */
async function makeWritable(path: string): Promise<void> {
  const s = await stat(path);
  await chmod(path, s.isDirectory() ? 0o755 : 0o644);
  if (s.isDirectory()) for (const name of await readdir(path)) await makeWritable(join(path, name));
}

/**
 * Builds the server and the schema tool with one `go install` (they share most packages), and
 * copies the release's PostgreSQL schemas next to them, so the stack does not depend on the Go
 * module cache staying around.
 */
export async function buildServerBinaries(log: (line: string) => void = () => {}): Promise<ServerBinaries> {
  try {
    await checkGo();
  } catch (err) {
    throw new Error(
      `cannot build the Temporal server ${SERVER_VERSION} and its SQL schema tool: ${(err as Error).message}\n` +
        'Alternatively set TEMPORAL_SERVER_PATH, TEMPORAL_SQL_TOOL_PATH and TEMPORAL_SCHEMA_DIR ' +
        `to a ${SERVER_VERSION} server, schema tool and schema folder.`,
    );
  }
  const target = serverCacheDir();
  const staging = `${target}.building-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const env = { ...process.env, GOBIN: staging, GOFLAGS: `${process.env.GOFLAGS ?? ''} -modcacherw`.trim() };
  log(
    `building the Temporal server ${SERVER_VERSION} and its SQL schema tool with go install (about 3 minutes on two cores)…`,
  );
  const started = Date.now();
  try {
    await run(
      'go',
      [
        'install',
        `${SERVER_MODULE}/cmd/server@${SERVER_VERSION}`,
        `${SERVER_MODULE}/cmd/tools/sql@${SERVER_VERSION}`,
      ],
      { env, cwd: tmpdir(), timeout: 30 * 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    const { stdout } = await run('go', ['mod', 'download', '-json', `${SERVER_MODULE}@${SERVER_VERSION}`], {
      env,
      cwd: tmpdir(),
      timeout: 10 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
    if (!moduleDir)
      throw new Error(`go mod download printed no folder for ${SERVER_MODULE}@${SERVER_VERSION}`);
    const schemas = join(staging, 'schema', 'postgresql', 'v12');
    await cp(postgresSchemaDir(join(moduleDir, 'schema')), schemas, { recursive: true });
    await makeWritable(join(staging, 'schema'));
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    const stderr = (err as { stderr?: string }).stderr;
    throw new Error(
      `could not build the Temporal server ${SERVER_VERSION}: ${stderr ? stderr.trim().split('\n').slice(-5).join('\n') : (err as Error).message}`,
    );
  }
  // Rename into place so a half-finished build is never mistaken for a good one.
  await rm(target, { recursive: true, force: true });
  await rename(staging, target);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  log(`built the Temporal server ${SERVER_VERSION} and its SQL schema tool in ${seconds} s`);
  const built = await findServerBinaries();
  if (!built) throw new Error(`the build left no usable binaries in ${target}`);
  return { ...built, source: 'built' };
}

/** Finds the binaries, building them when needed. */
export async function ensureServerBinaries(log: (line: string) => void = () => {}): Promise<ServerBinaries> {
  return (await findServerBinaries()) ?? (await buildServerBinaries(log));
}
