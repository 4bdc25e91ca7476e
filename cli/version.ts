/**
 * The package's own version, read from its package.json at run time, so `friend-import --version`
 * never drifts from what was published. The file sits one folder above the sources (`cli/`)
 * and two above the build (`dist/cli/`); walking up to the nearest package.json that names
 * this package finds it from either, and from node_modules when installed as a dependency.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PACKAGE_NAME = 'tim-friend-import';

export function packageVersion(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    let pkg: { name?: unknown; version?: unknown } | undefined;
    try {
      pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as typeof pkg;
    } catch {
      pkg = undefined; // none here (or not ours to read): look one folder up
    }
    if (pkg?.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
    if (dirname(dir) === dir)
      throw new Error(`cannot find the package.json of ${PACKAGE_NAME} above ${from}`);
  }
}
