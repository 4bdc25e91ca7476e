/**
 * The S3-compatible object store of the local stack and the tests: SeaweedFS's `weed`, pinned to
 * one module version and built once into the project's ignored cache folder, as the Temporal
 * binaries are (./temporalCli.ts). `go install …/weed@version` refuses the module (its go.mod has
 * replace directives), so the build downloads the module, copies it somewhere writable and runs
 * `go build ./weed` there. Order: WEED_PATH, then the cache, then a build.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheDir, checkGo, isExecutable } from './temporalCli.js';

const run = promisify(execFile);

export const WEED_MODULE = 'github.com/seaweedfs/seaweedfs';
/** SeaweedFS 4.53, as the Go module proxy serves it (the project tags no Go-module releases). */
export const WEED_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';
/** The module's go.mod asks for this Go; we never let Go download a newer toolchain itself. */
const MIN_GO = [1, 26, 6] as const;

export interface WeedBinary {
  path: string;
  source: 'WEED_PATH' | 'cache' | 'built';
  /** `weed version`, e.g. `version 30GB 4.53 linux amd64`. */
  version: string;
}

/** Where the build goes: `.cache/seaweedfs/<module version>/weed`. */
export function weedCacheDir(): string {
  return join(cacheDir(), 'seaweedfs', WEED_VERSION);
}

async function weedVersion(path: string): Promise<string> {
  const { stdout } = await run(path, ['version'], { timeout: 30_000 });
  return stdout.trim();
}

/** Finds `weed` without building it; `undefined` when a build is needed. */
export async function findWeedBinary(): Promise<WeedBinary | undefined> {
  const explicit = process.env.WEED_PATH;
  if (explicit) {
    if (!(await isExecutable(explicit))) throw new Error(`WEED_PATH=${explicit} is not an executable file`);
    const version = await weedVersion(explicit).catch((err: unknown) => {
      throw new Error(
        `WEED_PATH=${explicit} does not run ("weed version" failed: ${(err as Error).message})`,
      );
    });
    return { path: explicit, source: 'WEED_PATH', version };
  }
  const cached = join(weedCacheDir(), 'weed');
  if (await isExecutable(cached))
    return { path: cached, source: 'cache', version: await weedVersion(cached) };
  return undefined;
}

function atLeast(goVersion: string, min: readonly number[]): boolean {
  const have = (/^go(\d+)\.(\d+)(?:\.(\d+))?/.exec(goVersion) ?? []).slice(1).map((n) => Number(n ?? 0));
  for (let i = 0; i < min.length; i++) {
    const a = have[i] ?? 0;
    const b = min[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

async function checkGoForWeed(): Promise<void> {
  const needed = `Go ${MIN_GO.join('.')} or newer`;
  const hint = 'or set WEED_PATH to a SeaweedFS weed binary.';
  let version: string;
  try {
    version = await checkGo();
  } catch (err) {
    const missing = /not installed/.test((err as Error).message);
    throw new Error(
      `cannot build the object store (SeaweedFS weed ${WEED_VERSION}): ` +
        (missing
          ? `Go is not installed (or not on PATH). Install ${needed}, `
          : `Go is too old. Install ${needed}, `) +
        hint,
    );
  }
  if (!atLeast(version, MIN_GO))
    throw new Error(
      `cannot build the object store (SeaweedFS weed ${WEED_VERSION}): ${version.replace(/^go/, 'Go ')} is too old, ` +
        `its go.mod needs ${needed}. Upgrade Go, ${hint}`,
    );
}

/** The last lines of a failed command's stderr, or its message. */
function failure(err: unknown): string {
  const stderr = (err as { stderr?: string }).stderr?.trim();
  return stderr ? stderr.split('\n').slice(-5).join('\n') : (err as Error).message;
}

/**
 * Builds `weed` into the cache: `go mod download` of the pinned module, a writable copy of it in a
 * staging folder, `go build ./weed` there, then the staging folder renamed into place.
 */
export async function buildWeedBinary(log: (line: string) => void = () => {}): Promise<WeedBinary> {
  await checkGoForWeed();
  const target = weedCacheDir();
  const staging = `${target}.building-${process.pid}`;
  const src = join(staging, 'src');
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  // GOTOOLCHAIN=local: a build that needs another Go fails here instead of downloading one.
  // GOWORK=off: a go.work around the caller must not reach into the copy. -buildvcs=false: the
  // copy sits inside our git checkout, whose history is not weed's.
  const env = {
    ...process.env,
    GOTOOLCHAIN: 'local',
    GOWORK: 'off',
    GOFLAGS: `${process.env.GOFLAGS ?? ''} -modcacherw -buildvcs=false`.trim(),
  };
  log(
    `building the object store (SeaweedFS weed ${WEED_VERSION}) with go build (about 4 minutes on two cores)…`,
  );
  const started = Date.now();
  try {
    const { stdout } = await run('go', ['mod', 'download', '-json', `${WEED_MODULE}@${WEED_VERSION}`], {
      env,
      cwd: tmpdir(),
      timeout: 15 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
    if (!moduleDir) throw new Error(`go mod download printed no folder for ${WEED_MODULE}@${WEED_VERSION}`);
    // The module cache hands out read-only folders; go build writes go.sum updates into the copy.
    await cp(moduleDir, src, { recursive: true });
    await run('chmod', ['-R', 'u+w', src], { timeout: 60_000 });
    // -trimpath: the staging folder's name changes with every build, and without it Go's build
    // cache would miss on every package of weed's own (most of the 4 minutes) after the first.
    await run('go', ['build', '-trimpath', '-o', join(staging, 'weed'), './weed'], {
      env,
      cwd: src,
      timeout: 40 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    await rm(src, { recursive: true, force: true });
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw new Error(`could not build SeaweedFS weed ${WEED_VERSION}: ${failure(err)}`, { cause: err });
  }
  // Rename into place so a half-finished build is never mistaken for a good one.
  await rm(target, { recursive: true, force: true });
  await rename(staging, target);
  log(`built SeaweedFS weed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const path = join(target, 'weed');
  return { path, source: 'built', version: await weedVersion(path) };
}

/** Finds `weed`, building it when needed. */
export async function ensureWeedBinary(log: (line: string) => void = () => {}): Promise<WeedBinary> {
  return (await findWeedBinary()) ?? (await buildWeedBinary(log));
}
