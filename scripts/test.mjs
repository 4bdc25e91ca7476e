#!/usr/bin/env node
// The project's test command (`npm test`): lint, type check, then every test file on Node's
// built-in test runner, unit tests first. `node scripts/test.mjs unit|integration` runs one part
// without lint; extra arguments are passed to `node --test` (e.g. `--test-name-pattern=...`).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const [part = 'all', ...rest] = process.argv.slice(2);
const parts = part === 'all' ? ['unit', 'integration'] : [part];

function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function testFiles(dir) {
  const abs = join(root, 'test', dir);
  let out = [];
  for (const name of readdirSync(abs).sort()) {
    const p = join(abs, name);
    if (statSync(p).isDirectory()) out = out.concat(testFiles(join(dir, name)));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

if (part === 'all') {
  run('npx', ['eslint', '.']);
  run('npx', ['prettier', '--check', '.']);
  run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
}
if (parts.includes('integration')) {
  run('node', ['--import', 'tsx', 'scripts/temporal-cli.ts']);
  // The object store of the s3:// tests: built here when missing, not inside a test's timing.
  run('node', ['--import', 'tsx', 'scripts/object-store-install.ts']);
}
const files = parts.flatMap(testFiles);
// One file at a time: integration files start their own Temporal dev server and emulator, and the
// rate-limit tests need the machine's two cores to themselves.
run('node', ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...rest, ...files]);
