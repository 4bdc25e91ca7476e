/**
 * The watchdog every child process of ours gets (cli/stack/childProcess.ts): it kills the child
 * once our process is gone, and never sends a signal to a PID whose child ended on its own (a PID
 * is soon reused on a busy machine, and a stale signal killed whatever process got it).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pidAlive, spawnGuarded } from '../../cli/stack/childProcess.js';

/** Watchdog shells that still name `pid` in their script. */
const watchdogsOf = (pid: number): string[] =>
  execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`kill -0 ${pid} `) && l.includes('sh -c'));
const until = async (what: () => boolean, ms: number): Promise<boolean> => {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (what()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return what();
};

describe('child process watchdogs', { timeout: 60_000 }, () => {
  it('leave as soon as their child ends on its own, signalling nothing', async () => {
    const child = spawnGuarded('sleep', ['0.3']);
    const pid = child.pid ?? 0;
    assert.equal(watchdogsOf(pid).length, 1, 'one watchdog while the child runs');
    await once(child, 'exit');
    assert.ok(await until(() => watchdogsOf(pid).length === 0, 3_000), 'the watchdog is gone within 3 s');
  });

  it("kill the child once its parent is gone, even after the parent's SIGKILL", async () => {
    const helper = fileURLToPath(new URL('../../cli/stack/childProcess.ts', import.meta.url));
    const parent = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const { spawnGuarded } = await import(${JSON.stringify(helper)});
         const c = spawnGuarded('sleep', ['60']);
         console.log(c.pid);
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [line] = (await once(parent.stdout, 'data')) as [Buffer];
    const pid = Number(String(line).trim());
    assert.ok(pid > 0 && pidAlive(pid), `the child runs (${String(line)})`);
    parent.kill('SIGKILL');
    assert.ok(await until(() => !pidAlive(pid), 10_000), 'the child is gone within 10 s of its parent');
  });
});
