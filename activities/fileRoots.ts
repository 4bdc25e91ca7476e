/**
 * The folders a worker may read sources from and write reports to (WORKER_FILE_ROOTS,
 * docs/configuration.md). A job's input names paths, and anyone who can start a workflow on the
 * task queue writes that input: without roots, a worker would read any file it can read and
 * overwrite any file it can write. Every activity that touches a path checks it here first, where
 * the path really leads (symbolic links resolved as far as the path exists). `s3://` locations are
 * held the same way to WORKER_OBJECT_ROOTS (none by default: a worker refuses object storage until
 * it is told which buckets and prefixes it may use).
 */
import { ApplicationFailure } from '@temporalio/common';
import { realpath } from 'node:fs/promises';
import { basename, delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { isObjectLocation, objectLocationProblem, withinObjectRoot } from '../core/objectLocation.js';

/** Where `path` really leads: its longest existing part with links resolved, then the rest as written. */
async function realPathOf(path: string): Promise<string> {
  const rest: string[] = [];
  for (let p = resolve(path); ;) {
    try {
      return join(await realpath(p), ...rest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const parent = dirname(p);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === p) throw err;
      rest.unshift(basename(p));
      p = parent;
    }
  }
}

const within = (root: string, path: string): boolean => {
  const r = relative(root, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

export class FileRoots {
  private constructor(
    readonly roots: readonly string[],
    readonly objectRoots: readonly string[],
  ) {}

  /**
   * The roots as configured; each folder must exist (a worker checks them at start), each object
   * root be an `s3://bucket[/prefix]`.
   */
  static async open(roots: readonly string[], objectRoots: readonly string[] = []): Promise<FileRoots> {
    for (const r of objectRoots) {
      const problem = isObjectLocation(r) ? objectLocationProblem(r) : `${r} is not an s3:// location`;
      if (problem) throw new Error(`WORKER_OBJECT_ROOTS: ${problem}`);
    }
    const real = await Promise.all(
      roots.map((r) =>
        realpath(resolve(r)).catch(() => {
          throw new Error(`WORKER_FILE_ROOTS: ${r} does not exist`);
        }),
      ),
    );
    return new FileRoots([...new Set(real)], objectRoots);
  }

  /** Refuses, with one sentence and no retry, any path (by what it is for) outside every root. */
  async check(paths: Record<string, string | undefined>): Promise<void> {
    for (const [what, path] of Object.entries(paths)) {
      if (path === undefined) continue;
      if (isObjectLocation(path)) {
        this.#checkObject(what, path);
        continue;
      }
      const real = isAbsolute(path) ? await realPathOf(path) : undefined;
      if (real !== undefined && this.roots.some((root) => within(root, real))) continue;
      throw ApplicationFailure.nonRetryable(
        `the ${what} ${path} is outside the folders this worker may use (WORKER_FILE_ROOTS: ` +
          `${this.roots.join(delimiter)}); put it under one of them, or add its folder to WORKER_FILE_ROOTS`,
        'PathOutsideRoots',
      );
    }
  }

  #checkObject(what: string, location: string): void {
    const problem = objectLocationProblem(location);
    if (problem) throw ApplicationFailure.nonRetryable(`the ${what} ${problem}`, 'PathOutsideRoots');
    if (this.objectRoots.some((root) => withinObjectRoot(root, location))) return;
    throw ApplicationFailure.nonRetryable(
      this.objectRoots.length === 0
        ? `the ${what} ${location} is in object storage, which this worker may not use: set WORKER_OBJECT_ROOTS to the s3://bucket[/prefix] locations it may read and write`
        : `the ${what} ${location} is outside the object storage this worker may use (WORKER_OBJECT_ROOTS: ` +
            `${this.objectRoots.join(',')}); put it under one of them, or add its bucket or prefix to WORKER_OBJECT_ROOTS`,
      'PathOutsideRoots',
    );
  }
}
