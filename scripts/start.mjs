#!/usr/bin/env node
// `npm start`: from a fresh clone to the running demo. Installs what is missing — the npm
// dependencies (`npm ci` when node_modules is absent or older than package-lock.json) and the
// pinned Temporal CLI (`npm run temporal:install`, a no-op once it is cached) — then runs
// `friend-import demo` from the sources. Arguments are passed on: `npm start -- --keep`.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.error) {
    console.error(`npm start: could not run ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** npm writes node_modules/.package-lock.json on every install: older than the lock file = stale. */
function dependenciesStale() {
  const installed = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(installed) || !existsSync(join(root, 'node_modules', 'tsx'))) return true;
  return statSync(join(root, 'package-lock.json')).mtimeMs > statSync(installed).mtimeMs;
}

if (dependenciesStale()) run(npm, ['ci', '--no-audit', '--no-fund']);
run(npm, ['run', '--silent', 'temporal:install']);

console.log('\n$ friend-import demo');
const demo = spawnSync(
  process.execPath,
  ['--import', 'tsx', join(root, 'cli', 'main.ts'), 'demo', ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
process.exit(demo.status ?? 1);
