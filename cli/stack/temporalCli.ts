/**
 * Finds the pinned Temporal CLI (v1.5.1), or builds it once with `go install` into the project's
 * ignored cache folder. Order: TEMPORAL_CLI_PATH, then `temporal` on PATH if it is the pinned
 * version, then the cache, then a build.
 */
import { execFile } from 'node:child_process';
import { access, constants, mkdir, rename, rm } from 'node:fs/promises';
import { basename, delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const PINNED_CLI_VERSION = 'v1.5.1';
/** Tried in order when the pinned tag cannot be built here (an older Go, a module proxy without it). */
const FALLBACK_CLI_VERSIONS = ['v1.5.0', 'v1.4.1'] as const;
/** The Temporal Server each CLI tag embeds; `temporal --version` prints it. */
const SERVER_OF: Record<string, string> = { 'v1.5.1': '1.29.1', 'v1.5.0': '1.29.0', 'v1.4.1': '1.28.1' };
const MIN_GO = [1, 25] as const;

const here = import.meta.dirname;
/** The package root, from the sources (`cli/stack/`) or from the build (`dist/cli/stack/`). */
export const projectRoot =
  basename(resolve(here, '../..')) === 'dist' ? resolve(here, '../../..') : resolve(here, '../..');

/** The bundled sample dataset of `friend-import demo`, shipped in the package (`files`: cli). */
export const DEMO_DIR = resolve(projectRoot, 'cli', 'demo');

/**
 * How to run the `friend-import` CLI in a child process: compiled as it ships (`dist/`) when
 * FRIEND_IMPORT_BENCH_RUNTIME=dist (the benchmarks), else from the sources through tsx.
 */
export function cliEntry(
  runtime: 'dist' | 'tsx' = process.env.FRIEND_IMPORT_BENCH_RUNTIME === 'dist' ? 'dist' : 'tsx',
): string[] {
  return runtime === 'dist'
    ? [join(projectRoot, 'dist', 'cli', 'main.js')]
    : // tsx by its file, so a worker started in a folder of its own (no node_modules) still finds it.
      [
        '--import',
        pathToFileURL(join(projectRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href,
        join(projectRoot, 'cli', 'main.ts'),
      ];
}

export function cacheDir(): string {
  return process.env.FRIEND_IMPORT_CACHE_DIR ?? join(projectRoot, '.cache');
}

/** True when `path` exists and this user may run it. */
export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `temporal --version` prints e.g. `temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)`. */
async function cliVersion(path: string): Promise<string> {
  const { stdout } = await run(path, ['--version'], { timeout: 10_000 });
  return stdout.trim();
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, name)))) return join(dir, name);
  }
  return undefined;
}

interface FoundCli {
  path: string;
  source: 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'built';
  version: string;
}

/** Finds the CLI without building it; `undefined` when a build is needed. */
export async function findTemporalCli(): Promise<FoundCli | undefined> {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!(await isExecutable(explicit)))
      throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return { path: explicit, source: 'TEMPORAL_CLI_PATH', version: await cliVersion(explicit) };
  }
  const fromPath = await onPath('temporal');
  if (fromPath) {
    const version = await cliVersion(fromPath).catch(() => '');
    if (version.includes(`Server ${SERVER_OF[PINNED_CLI_VERSION]}`))
      return { path: fromPath, source: 'PATH', version };
  }
  for (const tag of [PINNED_CLI_VERSION, ...FALLBACK_CLI_VERSIONS]) {
    const cached = join(cacheDir(), 'temporal', tag, 'temporal');
    if (await isExecutable(cached))
      return { path: cached, source: 'cache', version: await cliVersion(cached) };
  }
  return undefined;
}

/** Checks that Go ≥ 1.25 is installed; throws a message that says what to do otherwise. */
export async function checkGo(): Promise<string> {
  let version: string;
  try {
    version = (await run('go', ['env', 'GOVERSION'], { timeout: 30_000 })).stdout.trim();
  } catch {
    throw new Error(
      `Go is not installed (or not on PATH). Install Go ${MIN_GO.join('.')} or newer to build the Temporal CLI ${PINNED_CLI_VERSION}, ` +
        'or set TEMPORAL_CLI_PATH to an existing temporal binary.',
    );
  }
  const m = /^go(\d+)\.(\d+)/.exec(version);
  const [major, minor] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (major < MIN_GO[0] || (major === MIN_GO[0] && minor < MIN_GO[1]))
    throw new Error(
      `Go ${version.replace(/^go/, '')} is too old: the Temporal CLI ${PINNED_CLI_VERSION} needs Go ${MIN_GO.join('.')} or newer ` +
        '(its go.mod says go 1.25.0). Upgrade Go, or set TEMPORAL_CLI_PATH to an existing temporal binary.',
    );
  return version;
}

/** Builds one tag with `go install` into the cache; returns the binary's path. */
async function buildTemporalCli(tag: string, log: (line: string) => void = () => {}): Promise<string> {
  const target = join(cacheDir(), 'temporal', tag);
  const staging = `${target}.building-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  log(`building the Temporal CLI ${tag} with go install (a few minutes on a fresh machine)…`);
  const started = Date.now();
  await run('go', ['install', `github.com/temporalio/cli/cmd/temporal@${tag}`], {
    env: { ...process.env, GOBIN: staging, GOFLAGS: `${process.env.GOFLAGS ?? ''} -modcacherw`.trim() },
    timeout: 30 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  // Rename into place so a half-finished build is never mistaken for a good one.
  await rm(target, { recursive: true, force: true });
  await rename(staging, target);
  log(`built the Temporal CLI ${tag} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return join(target, 'temporal');
}

/** Finds the CLI, building the pinned version (or the newest buildable fallback) when needed. */
export async function ensureTemporalCli(log: (line: string) => void = () => {}): Promise<FoundCli> {
  const found = await findTemporalCli();
  if (found) return found;
  await checkGo();
  const errors: string[] = [];
  for (const tag of [PINNED_CLI_VERSION, ...FALLBACK_CLI_VERSIONS]) {
    try {
      const path = await buildTemporalCli(tag, log);
      if (tag !== PINNED_CLI_VERSION)
        log(`warning: ${PINNED_CLI_VERSION} could not be built; using ${tag} instead`);
      return { path, source: 'built', version: await cliVersion(path) };
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? String(err);
      errors.push(`${tag}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
      log(`could not build ${tag}`);
    }
  }
  throw new Error(`could not build the Temporal CLI:\n${errors.join('\n')}`);
}
