/**
 * What the `friend-import` CLI says before any work starts: --version; exit 2 with one sentence
 * (no stack trace, no whole usage) for bad usage, bad settings or input it cannot read, starting
 * no job or workflow; and, within seconds, that Temporal cannot be reached, whatever the command.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../cli/stack/temporalCli.js';
import { workerEnv } from '../../cli/stack/workerProcesses.js';
import { friendItem } from '../support/data.js';
import { writeJsonl } from '../support/files.js';
import { runCli } from './cliHelpers.js';
import { cliStack, scratchDir, users } from './cliStack.js';

/** A port that was free a moment ago: nothing listens there. */
async function deadAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

// Neither test reaches a server, so neither starts one.
describe('friend-import CLI without a Temporal server', { timeout: 600_000 }, () => {
  const dir = scratchDir('cli-usage-');

  it('--version and -V print the version in package.json', async () => {
    const { version } = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${version}\n`);
    }
  });

  it('says that Temporal cannot be reached from its own check, before any client deadline, whatever the command', async () => {
    const address = await deadAddress();
    // Complete settings, as a stack gives them to the CLI: each command gets as far as connecting.
    const env = workerEnv({
      address,
      namespace: 'default',
      taskQueue: 'friend-import',
      imBaseUrl: 'http://127.0.0.1:1',
      rateLimit: 200,
      batchSize: 10,
    });
    const file = join(dir(), 'unreachable.jsonl');
    await writeJsonl(file, users('un', 2, 2));
    const items = join(dir(), 'unreachable.json');
    await writeFile(items, JSON.stringify([friendItem('un-x')]));
    const commands = [
      ['status', 'some-job'],
      ['import', file],
      ['user', 'un-user', items],
      ['verify', file],
      ['report', 'some-job'],
      ['pause', 'some-job'],
      ['resume', 'some-job'],
      ['cancel', 'some-job'],
      ['concurrency', 'some-job', '5'],
    ];
    for (const args of commands) {
      const r = await runCli(args, { env, cwd: dir() });
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(
        r.stderr,
        new RegExp(
          `^friend-import: cannot reach Temporal at ${address} \\(connection refused\\): ` +
            'start one with `friend-import dev`, or check TEMPORAL_ADDRESS\n$',
        ),
        args.join(' '),
      );
      // "connection refused" is the CLI's own probe before it connects: the client's 10 s deadline
      // would end in another message. How long the probe takes is not a test's to time.
    }
  });
});

// A stack, so that "starts nothing" is checked against a server that would have run it.
describe('friend-import CLI: usage errors', { timeout: 600_000 }, () => {
  const ctx = cliStack('cli-usage-');
  const { cli, bulkJobs, verifyJobs, userWorkflowExists } = ctx;

  it('exits 2 with one sentence on bad usage or input it cannot read, and starts nothing', async () => {
    const dir = ctx.dir;
    const jobs = await bulkJobs();
    const verifies = await verifyJobs();
    const put = async (name: string, content: string | Buffer): Promise<string> => {
      await writeFile(join(dir, name), content);
      return join(dir, name);
    };
    const utf16 = await put(
      'utf16.jsonl',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{}\n', 'utf16le')]),
    );
    const nul = await put('nul.jsonl', Buffer.from('{"From_Account":"a"}\u0000\n'));
    const header = await put('header.csv', 'From_Account,Friend,AddSource\na,b,AddSource_Type_Web\n');
    const txt = await put('data.txt', '{}\n');
    const ok = await put('ok.json', JSON.stringify([friendItem('x')]));
    const folder = join(dir, 'adir');
    await mkdir(folder, { recursive: true });
    const headerOnly = await put('header-only.csv', 'From_Account,To_Account,AddSource\n');
    const empty = await put('empty.jsonl', '');
    const blank = await put('blank.jsonl', '\n   \n\n');
    const isFolder = new RegExp(`${folder} is a folder, not a file`);
    const concurrency = /concurrency must be a whole number 1–1000, got "(0|5000|1001|abc)"/;
    const cases: [string[], RegExp, Record<string, string | undefined>?][] = [
      // A folder is named as one, whatever the command and with or without --dry-run.
      [['import', folder, '--dry-run'], isFolder],
      [['import', folder], isFolder],
      [['verify', folder], isFolder],
      [['user', 'alice', folder], isFolder],
      // A source without rows starts no job and is no dry run either.
      [['import', headerOnly], /header-only\.csv holds a CSV header and no rows/],
      [['import', headerOnly, '--dry-run'], /header-only\.csv holds a CSV header and no rows/],
      [['verify', headerOnly], /header-only\.csv holds a CSV header and no rows/],
      [['import', empty], /empty\.jsonl is empty/],
      [['verify', empty], /empty\.jsonl is empty/],
      [['import', blank], /blank\.jsonl holds only blank lines/],
      [['import', blank, '--dry-run'], /blank\.jsonl holds only blank lines/],
      // One bound and one message for the concurrency, wherever it is given.
      [['import', ok, '--format', 'jsonl', '--concurrency', '0'], concurrency],
      [['verify', ok, '--format', 'jsonl', '--concurrency', '5000'], concurrency],
      [['concurrency', 'no-such-job', '1001'], concurrency],
      [['demo', '--concurrency', 'abc'], concurrency],
      // Every configuration problem at once, in one line.
      [
        ['user', 'alice', ok],
        /invalid configuration: IM_SDKAPPID must be a whole number; IM_BATCH_SIZE must be 1–1000$/m,
        { IM_SDKAPPID: 'abc', IM_BATCH_SIZE: '0' },
      ],
      [
        ['worker'],
        /invalid configuration: IM_SDKAPPID must be a whole number; IM_SECRET_KEY is required but not set$/m,
        { IM_SDKAPPID: 'abc', IM_SECRET_KEY: '' },
      ],
      [['import', join(dir, 'missing.jsonl')], /missing\.jsonl does not exist/],
      [['import', utf16], /is UTF-16 text/],
      [['import', nul], /contains NUL bytes/],
      [['import', header], /unknown column\(s\) Friend/],
      [['import', txt], /cannot tell the format/],
      [['import', txt, '--format', 'xml'], /--format must be jsonl or csv/],
      [['import', utf16, '--dry-run'], /is UTF-16 text/],
      [
        ['import', ok, '--format', 'jsonl', '--concurrency', '5000'],
        /concurrency must be a whole number 1–1000/,
      ],
      // A job's ID names its report folder: nothing that could point outside it.
      [['import', ok, '--format', 'jsonl', '--job-id', '..'], /"\.\." is not a job ID/],
      [['verify', ok, '--format', 'jsonl', '--job-id', '.hidden'], /"\.hidden" is not a job ID/],
      [['status', '_x'], /"_x" is not a job ID/],
      [['status', 'no-such-job'], /there is no job "no-such-job"/],
      [['pause', 'no-such-job'], /there is no job "no-such-job"/],
      [['user', 'alice', join(dir, 'missing.json')], /does not exist/],
      [['user', 'alice', utf16], /must hold a JSON array|is UTF-16|not valid JSON/],
      [['user', 'alice', ok], /IM_SDKAPPID is required/, { IM_SDKAPPID: '' }],
    ];
    // Three at a time: each is a fresh Node process.
    for (let i = 0; i < cases.length; i += 3) {
      await Promise.all(
        cases.slice(i, i + 3).map(async ([args, message, extra]) => {
          const r = await cli(args, extra);
          assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
          assert.match(r.stderr, message, args.join(' '));
          assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
          assert.match(r.stderr, /^friend-import: [^\n]+\n$/, `one sentence: ${r.stderr}`);
        }),
      );
    }
    // Usage errors are one line too, and say where the usage is (not the whole usage).
    for (const [args, message] of [
      [['import'], /missing required argument 'file'/],
      [['import', 'x.jsonl', '--bogus'], /unknown option '--bogus'/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ] as const) {
      const usage = await cli([...args]);
      assert.equal(usage.code, 2, args.join(' '));
      assert.match(usage.stderr, message);
      assert.match(usage.stderr, /^friend-import: [^\n]+--help shows the usage\)\n$/, usage.stderr);
    }
    assert.match((await cli(['import'])).stderr, /\(friend-import import --help shows the usage\)/);
    assert.equal(await bulkJobs(), jobs);
    assert.equal(await verifyJobs(), verifies);
    assert.equal(await userWorkflowExists('alice'), false);
  });
});
