/**
 * The package as another project uses it: `npm run build`, then a plain .mjs that imports
 * `tim-friend-import` (package.json `exports` → dist/client/index.js) connects with the same
 * environment as the CLI and imports a user's friends through a real stack.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { importFriends } from '../../client/userImports.js';
import { spawnGuarded, stopChild } from '../../cli/stack/childProcess.js';
import { projectRoot } from '../../cli/stack/temporalCli.js';
import { assertFriends, friendItems, submitted } from '../support/data.js';
import { startStack, type Stack } from '../../cli/stack/stack.js';

const CONSUMER = `
import * as lib from 'tim-friend-import';

const importer = await lib.connectFriendImporter(process.env);
try {
  const items = JSON.parse(process.argv[2]);
  const handle = await importer.importFriends('pkg-user', items, { submissionId: 'pkg-1' });
  const outcome = await handle.outcome();
  console.log(JSON.stringify({
    exports: Object.keys(lib).sort(),
    workflowId: importer.userWorkflowId('pkg-user'),
    outcome: { status: outcome.status, imported: outcome.imported, failed: outcome.failed },
  }));
} finally {
  await importer.close();
}
`;

/** Async, so the in-process worker keeps serving while the child runs. */
async function run(
  cmd: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  const [status] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { status, stdout, stderr };
}

describe('the package is consumable', { timeout: 600_000 }, () => {
  let stack: Stack;
  const consumer = join(projectRoot, 'test-output', `consumer-${process.pid}`);
  before(async () => {
    stack = await startStack();
    await mkdir(join(consumer, 'node_modules'), { recursive: true });
    await symlink(projectRoot, join(consumer, 'node_modules', 'tim-friend-import'), 'dir');
    await writeFile(join(consumer, 'consumer.mjs'), CONSUMER);
  });
  after(async () => {
    await stack?.stop();
    await rm(consumer, { recursive: true, force: true });
  });

  it('builds, and a plain .mjs imports dist/client/index.js and runs an import', async () => {
    const build = await run('npm', ['run', 'build'], { cwd: projectRoot });
    assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);
    const types = await readFile(join(projectRoot, 'dist', 'client', 'index.d.ts'), 'utf8');
    assert.match(types, /export declare function createFriendImporter/);
    assert.match(types, /export type \{ AddFriendItem/);

    const items = friendItems(3, 'pkg-');
    stack.emulator.seedAccounts(['pkg-user', ...items.map((i) => i.To_Account)]);
    const used = await run(process.execPath, ['consumer.mjs', JSON.stringify(items)], {
      cwd: consumer,
      env: { ...process.env, ...stack.env },
    });
    assert.equal(used.status, 0, used.stderr);
    const out = JSON.parse(used.stdout) as {
      exports: string[];
      workflowId: string;
      outcome: { status: string; imported: number; failed: number };
    };
    for (const name of ['createFriendImporter', 'connectFriendImporter', 'loadClientImSettings', 'newJobId'])
      assert.ok(out.exports.includes(name), name);
    assert.equal(out.workflowId, 'friend-import:1400000000:pkg-user');
    assert.deepEqual(out.outcome, { status: 'done', imported: 3, failed: 0 });
    assertFriends(stack.emulator, 'pkg-user', items);
  });

  it('the built CLI runs from dist', async () => {
    const r = await run(process.execPath, [join(projectRoot, 'dist', 'cli', 'main.js'), '--help'], {
      cwd: projectRoot,
    });
    assert.equal(r.status, 0, r.stderr);
    for (const command of ['demo', 'dev', 'import', 'status', 'report', 'pause', 'resume', 'cancel', 'user'])
      assert.match(r.stdout, new RegExp(`^  ${command} `, 'm'), command);
    // The version comes from package.json two folders above dist/cli/main.js.
    const version = await run(process.execPath, [join(projectRoot, 'dist', 'cli', 'main.js'), '--version'], {
      cwd: projectRoot,
    });
    const { version: expected } = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    assert.deepEqual([version.status, version.stdout], [0, `${expected}\n`]);
    const dry = await run(
      process.execPath,
      [join(projectRoot, 'dist', 'cli', 'main.js'), 'import', 'cli/demo/friends.csv', '--dry-run', '--json'],
      { cwd: projectRoot },
    );
    assert.equal(dry.status, 3, dry.stderr);
    // The demo data ships with the package (files: client) and the build finds it there.
    const built = (await import(
      pathToFileURL(join(projectRoot, 'dist', 'cli', 'commands', 'support', 'demoData.js')).href
    )) as { DEMO_DIR: string };
    assert.equal(built.DEMO_DIR, join(projectRoot, 'cli', 'demo'));
    const pkg = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { files: string[] };
    assert.ok(pkg.files.includes('cli') && pkg.files.includes('dist'));
  });

  it('a worker started from dist loads the prebuilt workflow bundle and imports', async () => {
    await stack.stopWorkers();
    assert.ok(existsSync(join(projectRoot, 'dist', 'workflow-bundle.js')), 'npm run build wrote the bundle');
    // Workflows take constants and types from im/, never its zod schemas: zod would add about a
    // megabyte to every worker's bundle (and to the first workflow task's start).
    const bundle = await readFile(join(projectRoot, 'dist', 'workflow-bundle.js'), 'utf8');
    assert.ok(!bundle.includes('node_modules/zod/'), 'zod is not in the workflow bundle');
    const worker = spawnGuarded(process.execPath, [join(projectRoot, 'dist', 'cli', 'main.js'), 'worker'], {
      cwd: projectRoot,
      env: { ...process.env, ...stack.env, LOG_LEVEL: 'info' },
    });
    let log = '';
    worker.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    try {
      for (let i = 0; i < 600 && !log.includes('worker started'); i++)
        await new Promise((r) => setTimeout(r, 50));
      assert.match(log, /"workflowBundle":"prebuilt"/);
      const items = friendItems(2, 'dist-');
      stack.emulator.seedAccounts(['dist-user', ...items.map((i) => i.To_Account)]);
      const handle = await importFriends(stack.target, 'dist-user', submitted(items), {
        submissionId: 'dist',
      });
      assert.equal((await handle.result()).imported, 2);
    } finally {
      await stopChild(worker);
    }
  });
});
