/** `friend-import emulator` as a real child process: ready line, settings from IM_*, files, signals. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { ImClient } from '../../../im/index.js';
import { spawnGuarded, stopChild, tail } from '../../../cli/stack/childProcess.js';
import { body, item } from './support.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const APP_ENV = {
  IM_SDKAPPID: '1400000777',
  IM_ADMIN_IDENTIFIER: 'cli_admin',
  IM_SECRET_KEY: 'cli-test-secret',
};

function runCli(args: string[], env: Record<string, string> = APP_ENV) {
  return spawnGuarded(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'emulator', ...args], {
    cwd: ROOT,
    env: { ...process.env, IM_BASE_URL: '', IM_REGION: '', ...env },
  });
}

describe('friend-import emulator (child process)', { timeout: 60_000 }, () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emulator-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints exactly one ready line, answers with the IM_* app, and stops cleanly on SIGTERM', async () => {
    const accounts = join(dir, 'accounts.txt');
    await writeFile(accounts, '# users\nalice\nbob\n\ncarol\n');
    const faults = join(dir, 'faults.json');
    await writeFile(faults, JSON.stringify({ seed: 3, rules: [{ kind: 'error', code: 30006, nth: [1] }] }));
    const child = runCli([
      '--port',
      '0',
      '--accounts',
      accounts,
      '--faults',
      faults,
      '--db',
      join(dir, 'cli.sqlite'),
      '--rate-limit',
      '50',
      '--sensitive-words',
      'spam,eggs',
      '--record-calls',
    ]);
    const stderr = tail(child.stderr);
    const lines: string[] = [];
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (l) => lines.push(l));
    const exited = once(child, 'exit');
    try {
      const [first] = (await Promise.race([
        once(rl, 'line'),
        exited.then(() => {
          throw new Error(`exited before ready: ${stderr()}`);
        }),
      ])) as [string];
      assert.match(first, /^ready \{"baseUrl":"http:\/\/127\.0\.0\.1:\d+\/"\}$/);
      const { baseUrl } = JSON.parse(first.slice('ready '.length)) as { baseUrl: string };
      const client = new ImClient({
        baseUrl,
        sdkAppId: 1400000777,
        adminIdentifier: 'cli_admin',
        secretKey: 'cli-test-secret',
      });
      assert.equal(
        (await client.friendImport(body('alice', [item('bob')]))).ErrorCode,
        30006,
        'fault plan from --faults',
      );
      const res = await client.friendImport(
        body('alice', [item('bob'), item('carol', { Remark: 'Spam!' }), item('dave')]),
      );
      assert.deepEqual(
        res.ResultItem?.map((r) => r.ResultCode),
        [0, 30005, 30003],
      );
      const calls = (await (await fetch(new URL('__emulator/calls', baseUrl))).json()) as unknown[];
      assert.equal(calls.length, 2);
      const other = new ImClient({
        baseUrl,
        sdkAppId: 1400000000,
        adminIdentifier: 'administrator',
        secretKey: 'x',
      });
      assert.equal(
        (await other.friendImport(body('alice', [item('bob')]))).ErrorCode,
        70020,
        'only the IM_* app',
      );
    } finally {
      const code = await stopChild(child);
      assert.equal(code, 0, `exit code 0 on SIGTERM: ${stderr()}`);
    }
    assert.equal(lines.length, 1, `stdout is the ready line only: ${lines.join(' | ')}`);
    assert.match(stderr(), /IM emulator for SDKAppID 1400000777/);
    assert.doesNotMatch(stderr(), /cli-test-secret/, 'the secret key is never printed');
  });

  it('a bad fault plan or an unreadable file is a usage error (exit 2) with one clear sentence', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ rules: [{ kind: 'error', code: 30010 }] }));
    for (const [args, message] of [
      [['--faults', bad], /--faults: invalid fault plan: rules\.0\.code/],
      [['--accounts', join(dir, 'missing.txt')], /--accounts: cannot read .*ENOENT/],
      [['--port', 'eighty'], /--port must be a whole number/],
      [['--existing-friend', 'ignore'], /--existing-friend must be overwrite or refuse, got "ignore"/],
    ] as const) {
      const child = runCli(['--port', '0', ...args]);
      const stderr = tail(child.stderr);
      const [code] = (await once(child, 'exit')) as [number];
      assert.equal(code, 2, stderr());
      assert.match(stderr(), message);
    }
  });
});
