/**
 * The `friend-import` CLI as operators run it: child processes against a real dev server, the
 * emulator over HTTP and a worker: exit codes, the --json summary, --dry-run, the job
 * commands, the service path, and one writer per user across a job and a service call.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JobSummaryJson } from '../../cli/commands/support/summary.js';
import type { ImportFriendsResult } from '../../core/types.js';
import { importFriendsWorkflowId } from '../../core/definitions.js';
import { projectRoot } from '../../cli/stack/temporalCli.js';
import { assertFriends, friendItem, friendItems } from '../support/data.js';
import { writeCsv, writeJsonl, type UserInput } from '../support/files.js';
import { startStack, type Stack } from '../../cli/stack/stack.js';
import { jsonOut, readRows, runCli, spawnCli, waitFor } from './cliHelpers.js';

const users = (prefix: string, n: number, items: number): UserInput[] =>
  Array.from({ length: n }, (_, i) => ({
    from: `${prefix}${i}`,
    items: friendItems(items, `${prefix}${i}-`),
  }));

describe('friend-import CLI', { timeout: 600_000 }, () => {
  let stack: Stack;
  let dir: string;
  let env: Record<string, string>;
  const cli = (args: string[], extraEnv: Record<string, string | undefined> = {}) =>
    runCli(args, { env: { ...env, ...extraEnv }, cwd: dir });
  const seed = (list: UserInput[]): void =>
    stack.emulator.seedAccounts(list.flatMap((u) => [u.from, ...u.items.map((x) => x.To_Account)]));
  const bulkJobs = async (): Promise<number> =>
    (await stack.client.workflow.count("WorkflowType = 'BulkImportWorkflow'")).count;
  const verifyJobs = async (): Promise<number> =>
    (await stack.client.workflow.count("WorkflowType = 'VerifyJobWorkflow'")).count;
  /** Whether the user's import workflow was ever started (the service path). */
  const userWorkflowExists = (fromAccount: string): Promise<boolean> =>
    stack.client.workflow
      .getHandle(importFriendsWorkflowId(stack.im.sdkAppId, fromAccount))
      .describe()
      .then(
        () => true,
        (err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return false;
          throw err;
        },
      );

  before(async () => {
    // Batches of 10 give users several calls each (pause, overlaps); writes take 25 ms (overlaps observable).
    stack = await startStack({
      emulator: { recordCalls: true, sensitiveWords: ['forbidden'], writeLatencyMs: 25 },
      batchSize: 10,
    });
    dir = await mkdtemp(join(tmpdir(), 'cli-'));
    env = { ...stack.env };
  });
  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 with one JSON summary when every item is imported', async () => {
    const list = users('ok', 20, 5);
    seed(list);
    const file = join(dir, 'ok.jsonl');
    await writeJsonl(file, list);
    const r = await cli(['import', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = jsonOut<JobSummaryJson>(r);
    for (const key of ['jobId', 'status', 'users', 'items', 'imported', 'failed', 'failedByCode', 'calls'])
      assert.ok(key in s, key);
    assert.deepEqual(
      [s.status, s.users, s.items, s.imported, s.failed, s.failedByCode],
      ['completed', 20, 100, 100, 0, {}],
    );
    assert.ok(s.calls >= 20 && s.elapsedMs > 0);
    assert.equal(s.reportJsonl, join(dir, 'friend-import-reports', s.jobId, 'report.jsonl'));
    assert.equal(await readFile(s.reportJsonl, 'utf8'), '');
    assert.equal(await readFile(s.reportCsv ?? '', 'utf8'), 'line,fromAccount,toAccount,code,reason,kind\n');
    assert.match(r.stderr, /Started job /);
    for (const u of list) assertFriends(stack.emulator, u.from, u.items);
  });

  it('exits 3 when items failed, with status, report and re-attach saying the same', async () => {
    const list = users('bad', 10, 4);
    seed(list);
    list[2]!.items.push(friendItem('ghost-cli')); // not an account → 30003
    list[4]!.items.push(friendItem('bad4-x', { Remark: 'r'.repeat(97) })); // over 96 bytes → rejected
    const file = join(dir, 'bad.jsonl');
    await writeJsonl(file, list, ['{broken']);
    const r = await cli(['import', file, '--json', '--job-id', 'cli-failures']);
    assert.equal(r.code, 3, r.stderr);
    const s = jsonOut<JobSummaryJson>(r);
    assert.deepEqual(
      [s.jobId, s.status, s.lines, s.items, s.imported, s.failed, s.failedByCode],
      ['cli-failures', 'completed', 11, 43, 40, 3, { 30003: 1, rejected: 2 }],
    );
    const rows = readRows(await readFile(s.reportJsonl ?? '', 'utf8'));
    assert.deepEqual(
      rows.map((x) => [x.line, x.fromAccount, x.toAccount, x.code, x.kind]),
      [
        [3, 'bad2', 'ghost-cli', 30003, 'permanent'],
        [5, 'bad4', 'bad4-x', 'rejected', 'rejected'],
        [11, '', '', 'rejected', 'rejected'],
      ],
    );

    const status = await cli(['status', 'cli-failures', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const st = jsonOut<JobSummaryJson>(status);
    assert.deepEqual(
      [st.status, st.items, st.imported, st.failed, st.failedByCode, st.reportCsv],
      ['completed', 43, 40, 3, { 30003: 1, rejected: 2 }, s.reportCsv],
    );
    const report = await cli(['report', 'cli-failures', '--json']);
    const rep = jsonOut<{ final: boolean; readable: boolean; rows: unknown[] }>(report);
    assert.deepEqual([rep.final, rep.readable, rep.rows], [true, true, rows]);
    const human = await cli(['report', 'friend-import-job:cli-failures']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /line 3: bad2 → ghost-cli: .*\[30003, permanent\]/);
    assert.match(human.stdout, /line 11: is not valid JSON/);

    // One user's outcomes in the job: what was imported and what failed, by line.
    const one = await cli(['report', 'cli-failures', '--user', 'bad2', '--json']);
    assert.equal(one.code, 0, one.stderr);
    const mine = jsonOut<{ imported: number; failed: number; lines: { line: number; imported: string[] }[] }>(
      one,
    );
    assert.deepEqual([mine.imported, mine.failed, mine.lines.map((l) => l.line)], [4, 1, [3]]);
    assert.deepEqual(
      mine.lines[0]?.imported.sort(),
      list[2]!.items
        .slice(0, 4)
        .map((i) => i.To_Account)
        .sort(),
    );
    const oneHuman = await cli(['report', 'cli-failures', '--user', 'bad2']);
    assert.match(oneHuman.stdout, /bad2 — 4 imported, 1 failed, on 1 input line\./);
    assert.match(oneHuman.stdout, /line 3: ghost-cli failed: .*\[30003, permanent\]/);

    // The same command again re-attaches to the finished job: the same answer, no second job.
    const jobs = await bulkJobs();
    const again = await cli(['import', file, '--json', '--job-id', 'cli-failures']);
    assert.equal(again.code, 3);
    assert.deepEqual(jsonOut<JobSummaryJson>(again).failedByCode, s.failedByCode);
    assert.match(again.stderr, /Re-attached to job cli-failures/);
    assert.equal(await bulkJobs(), jobs);
    // The ID of a job of another file: refused, not followed as if it were this file's.
    const other = await cli(['import', join(dir, 'other.jsonl'), '--job-id', 'cli-failures']);
    assert.equal(other.code, 2, other.stderr);
    assert.match(
      other.stderr,
      /^friend-import: job "cli-failures" imports \S+, not \S+other\.jsonl: leave out the job ID/,
    );
    assert.equal(await bulkJobs(), jobs);
  });

  it('--detach and Ctrl-C leave the job running; --job-id re-attaches', async (t) => {
    const list = users('dt', 40, 12);
    seed(list);
    const file = join(dir, 'detach.jsonl');
    await writeJsonl(file, list);
    // Slow answers keep the job running while the CLI attaches and detaches.
    stack.emulator.setFaults({
      rules: [{ kind: 'slow', delayMs: 1_000, fromAccounts: list.map((u) => u.from) }],
    });
    t.after(() => stack.emulator.setFaults(undefined));
    const detached = await cli(['import', file, '--detach', '--concurrency', '5']);
    assert.equal(detached.code, 0, detached.stderr);
    const jobId = detached.stdout.trim();
    assert.match(jobId, /^job-\d{8}T\d{6}-[0-9a-f]{8}$/);
    assert.match(detached.stderr, new RegExp(`--job-id ${jobId}`));

    const attached = spawnCli(['import', file, '--job-id', jobId], { env, cwd: dir });
    await waitFor('the attached CLI', () => attached.stderr().includes('Ctrl-C detaches'));
    attached.child.kill('SIGINT');
    const interrupted = await attached.exited;
    assert.equal(interrupted.code, 130);
    assert.match(interrupted.stderr, new RegExp(`Detached from job ${jobId}; it keeps running`));
    assert.match(
      interrupted.stderr,
      new RegExp(`Re-attach with: friend-import import ${file} --job-id ${jobId}`),
    );

    stack.emulator.setFaults(undefined);
    const end = await cli(['import', file, '--job-id', jobId, '--json']);
    assert.equal(end.code, 0, end.stderr);
    assert.deepEqual(
      [jsonOut<JobSummaryJson>(end).status, jsonOut<JobSummaryJson>(end).imported],
      ['completed', 480],
    );
    for (const u of list) assertFriends(stack.emulator, u.from, u.items);
  });

  it('--version and -V print the version in package.json', async () => {
    const { version } = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${version}\n`);
    }
  });

  it('exits 2 with one sentence on bad usage or input it cannot read, and starts nothing', async () => {
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

  it('says within seconds that Temporal cannot be reached, whatever the command', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const address = `127.0.0.1:${port}`;
    const file = join(dir, 'unreachable.jsonl');
    await writeJsonl(file, users('un', 2, 2));
    const items = join(dir, 'unreachable.json');
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
      const started = Date.now();
      const r = await cli(args, { TEMPORAL_ADDRESS: address });
      const tookMs = Date.now() - started;
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(
        r.stderr,
        new RegExp(
          `^friend-import: cannot reach Temporal at ${address} \\(connection refused\\): ` +
            'start one with `friend-import dev`, or check TEMPORAL_ADDRESS\n$',
        ),
        args.join(' '),
      );
      // The bound is the point here (the client's own deadline is 10 s); Node's start-up is in it too.
      assert.ok(tookMs < 6_000, `${args.join(' ')} took ${tookMs} ms`);
    }
  });

  it('--dry-run reports every bad row and writes nothing to IM or Temporal', async () => {
    const list = users('dry', 5, 3);
    seed(list);
    list[1]!.items.push(friendItem('dry1-x', { Remark: 'r'.repeat(97) }));
    list[3]!.items.push(friendItem('dry3')); // self-friend
    const file = join(dir, 'dry.jsonl');
    await writeJsonl(file, list, ['{not json', '{"From_Account":"dry9","AddFriendItem":[]}']);
    const clean = join(dir, 'clean.jsonl');
    await writeJsonl(clean, list.slice(0, 1));
    const csv = join(dir, 'dry.csv');
    await writeCsv(csv, [
      { from: 'dry0', items: [friendItem('dry0-0'), friendItem('dry0-1', { GroupName: ['g'.repeat(31)] })] },
    ]);
    const expectedLines = [2, 4, 6, 7];
    const requests = stack.emulator.stats().requests;
    const workflows = (await stack.client.workflow.count()).count;

    const r = await cli(['import', file, '--dry-run']);
    assert.equal(r.code, 3, r.stderr);
    for (const line of expectedLines) assert.match(r.stdout, new RegExp(`^line ${line}: `, 'm'));
    assert.equal(r.stdout.match(/^line \d+:/gm)?.length, expectedLines.length);
    assert.match(r.stdout, /line 2: dry1 → dry1-x: AddFriendItem\[3\]\.Remark is 97 bytes/);
    assert.match(r.stdout, /Nothing was written to IM or Temporal/);

    const report = join(dir, 'dry-report.jsonl');
    const withReport = await cli(['import', file, '--dry-run', '--json', '--report', report]);
    assert.equal(withReport.code, 3);
    const summary = jsonOut<{
      lines: number;
      items: number;
      valid: number;
      rejected: number;
      reportCsv: string;
    }>(withReport);
    assert.deepEqual([summary.lines, summary.items, summary.valid, summary.rejected], [7, 19, 15, 4]);
    assert.deepEqual(
      readRows(await readFile(report, 'utf8')).map((x) => x.line),
      expectedLines,
    );
    assert.equal(
      (await readFile(summary.reportCsv, 'utf8')).trim().split('\n').length,
      1 + expectedLines.length,
    );

    // No Temporal is needed at all: a dead address changes nothing.
    const offline = await cli(['import', clean, '--dry-run'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(offline.code, 0, offline.stderr);
    const csvRun = await cli(['import', csv, '--dry-run', '--json']);
    assert.equal(csvRun.code, 3);
    assert.deepEqual(
      jsonOut<{ badRows: { line: number }[] }>(csvRun).badRows.map((x) => x.line),
      [3],
    );

    assert.equal(stack.emulator.stats().requests, requests, 'no IM request');
    for (const u of list) assert.equal(stack.emulator.friendsOf(u.from).length, 0);
    assert.equal((await stack.client.workflow.count()).count, workflows, 'no workflow');
  });

  it('user: imports one user through the service path and prints the outcome or the result', async () => {
    const items = friendItems(3, 'svc-');
    stack.emulator.seedAccounts(['svc', 'svc2', ...items.map((i) => i.To_Account)]);
    const file = join(dir, 'svc.json');
    await writeFile(file, JSON.stringify([...items, friendItem('ghost-svc')]));
    const r = await cli(['user', 'svc', file, '--json']);
    assert.equal(r.code, 3, r.stderr);
    const result = jsonOut<ImportFriendsResult>(r);
    assert.deepEqual(
      [result.fromAccount, result.state, result.imported, result.failed, result.failAccounts],
      ['svc', 'completed', 3, 1, ['ghost-svc']],
    );
    assertFriends(stack.emulator, 'svc', items);

    const body = join(dir, 'svc2.json');
    await writeFile(body, JSON.stringify({ From_Account: 'svc2', AddFriendItem: items.slice(0, 2) }));
    const human = await cli(['user', 'svc2', body]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^svc2: 2 imported, 0 failed of 2 items/);
    const other = await cli(['user', 'someone-else', body]);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /request body for From_Account "svc2", not "someone-else"/);
  });

  it('user: checks the items before sending; a call with a bad item is refused whole unless --skip-invalid', async () => {
    const good = friendItems(2, 'chk-');
    stack.emulator.seedAccounts(['chk', ...good.map((i) => i.To_Account)]);
    const file = join(dir, 'chk.json');
    await writeFile(
      file,
      JSON.stringify([
        good[0],
        friendItem('chk-long', { Remark: 'r'.repeat(97) }),
        good[1],
        friendItem('chk'),
      ]),
    );
    const refused = await cli(['user', 'chk', file]);
    assert.equal(refused.code, 2, refused.stderr);
    // Each bad item as the dry run shows a bad row, then one sentence.
    assert.deepEqual(refused.stdout.trim().split('\n'), [
      'item 1: chk → chk-long: AddFriendItem[1].Remark is 97 bytes; the limit is 96 bytes (UTF-8)',
      'item 3: chk → chk: AddFriendItem[3].To_Account equals From_Account: a user cannot be their own friend',
    ]);
    assert.match(
      refused.stderr,
      /^friend-import: .*chk\.json: 2 invalid items out of 4, so nothing was sent; fix them and run again, or pass --skip-invalid to import the valid ones\n$/,
    );
    const json = await cli(['user', 'chk', file, '--json']);
    assert.equal(json.code, 2);
    assert.deepEqual(
      jsonOut<{ items: number; valid: number; badItems: { line: number }[] }>(json).badItems.map(
        (r) => r.line,
      ),
      [1, 3],
    );
    // Nothing was sent: no workflow for the user, nothing in the app.
    assert.equal(await userWorkflowExists('chk'), false);
    assert.equal(stack.emulator.friendsOf('chk').length, 0);

    const sent = await cli(['user', 'chk', file, '--skip-invalid']);
    assert.equal(sent.code, 3, sent.stderr);
    assert.match(sent.stderr, /2 invalid items out of 4 will end as rejected \(--skip-invalid\)/);
    assert.match(
      sent.stdout,
      /^chk: 2 imported, 2 failed \(rejected ×2\) of 4 items, 1 friend_import call\./,
    );
    assertFriends(stack.emulator, 'chk', good);
  });

  it('a user in a bulk job and a concurrent service call never write at once', async () => {
    const shared = friendItems(200, 'sh-job-'); // 20 calls of 10
    const mine = friendItems(25, 'sh-svc-');
    const list: UserInput[] = [{ from: 'shared', items: shared }, ...users('shn', 19, 10)];
    seed(list);
    stack.emulator.seedAccounts(mine.map((i) => i.To_Account));
    const file = join(dir, 'shared.jsonl');
    await writeJsonl(file, list);
    const svcFile = join(dir, 'shared-svc.json');
    await writeFile(svcFile, JSON.stringify(mine));
    const overlaps = stack.emulator.stats().friendImport.overlaps;
    const seen = stack.emulator.calls().length;

    const job = spawnCli(['import', file, '--json', '--job-id', 'cli-overlap'], { env, cwd: dir });
    await waitFor('the job’s first call for shared', () =>
      stack.emulator
        .calls()
        .slice(seen)
        .some((c) => c.fromAccount === 'shared'),
    );
    const svc = await cli(['user', 'shared', svcFile]);
    const done = await job.exited;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(svc.code, 0, svc.stderr);

    assert.equal(stack.emulator.stats().friendImport.overlaps, overlaps, 'overlaps');
    const calls = stack.emulator
      .calls()
      .slice(seen)
      .filter((c) => c.fromAccount === 'shared')
      .sort((a, b) => a.arrivedAt - b.arrivedAt);
    assert.ok(calls.length >= 23);
    for (let i = 1; i < calls.length; i++)
      assert.ok(
        calls[i]!.arrivedAt >= calls[i - 1]!.finishedAt,
        `call ${i} started before call ${i - 1} ended`,
      );
    assert.ok(calls.every((c) => c.errorCode !== 30008));
    assertFriends(stack.emulator, 'shared', [...shared, ...mine]);
  });

  it('pause stops new calls within a second; concurrency and resume carry on to an exact end', async () => {
    const list = users('pz', 150, 30); // 3 calls each
    seed(list);
    const file = join(dir, 'pause.jsonl');
    await writeJsonl(file, list);
    const seen = stack.emulator.calls().length;
    const jobCalls = () =>
      stack.emulator
        .calls()
        .slice(seen)
        .filter((c) => c.fromAccount.startsWith('pz'));
    const job = spawnCli(['import', file, '--json', '--job-id', 'cli-pause', '--concurrency', '10'], {
      env,
      cwd: dir,
    });
    await waitFor('calls for the job', () => jobCalls().length >= 15);

    const pause = await cli(['pause', 'cli-pause']);
    const pausedAt = Date.now();
    assert.equal(pause.code, 0, pause.stderr);
    assert.match(pause.stdout, /Job cli-pause: paused/);
    await new Promise((r) => setTimeout(r, 3_000));
    const late = jobCalls().filter((c) => c.arrivedAt > pausedAt + 1_000);
    assert.deepEqual(late, [], 'no call starts later than a second after pause returned');
    const paused = jsonOut<JobSummaryJson>(await cli(['status', 'cli-pause', '--json']));
    assert.equal(paused.status, 'paused');
    // A running job's progress query says where its report goes (workflows/bulkImport.ts hook).
    assert.equal(paused.reportJsonl, join(dir, 'friend-import-reports', 'cli-pause', 'report.jsonl'));
    const partial = jsonOut<{ final: boolean; reportCsv: string }>(
      await cli(['report', 'cli-pause', '--json']),
    );
    assert.deepEqual(
      [partial.final, partial.reportCsv],
      [false, join(dir, 'friend-import-reports', 'cli-pause', 'report.csv')],
    );
    assert.ok(paused.imported < 4_500);

    const conc = await cli(['concurrency', 'cli-pause', '20']);
    assert.equal(conc.code, 0, conc.stderr);
    assert.equal(jsonOut<JobSummaryJson>(await cli(['status', 'cli-pause', '--json'])).concurrency, 20);
    const callsBefore = jobCalls().length;
    const resume = await cli(['resume', 'cli-pause']);
    assert.equal(resume.code, 0, resume.stderr);
    const done = await job.exited;
    assert.equal(done.code, 0, done.stderr);
    const s = jsonOut<JobSummaryJson>(done);
    assert.deepEqual([s.status, s.items, s.imported, s.failed], ['completed', 4_500, 4_500, 0]);
    assert.ok(jobCalls().length > callsBefore, 'calls continue after resume');
    for (const u of list) assertFriends(stack.emulator, u.from, u.items);
    const again = await cli(['pause', 'cli-pause']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /cannot pause job cli-pause: it has completed/);
  });

  it('cancel ends the job (exit 4): queued items are cancelled, what was written is exactly what is imported', async (t) => {
    const list = users('cx', 80, 30);
    seed(list);
    const file = join(dir, 'cancel.jsonl');
    await writeJsonl(file, list);
    // Slow answers keep the job running while the cancel command starts.
    stack.emulator.setFaults({
      rules: [{ kind: 'slow', delayMs: 300, fromAccounts: list.map((u) => u.from) }],
    });
    t.after(() => stack.emulator.setFaults(undefined));
    const seen = stack.emulator.calls().length;
    const job = spawnCli(['import', file, '--job-id', 'cli-cancel', '--concurrency', '5', '--json'], {
      env,
      cwd: dir,
    });
    await waitFor('calls for the job', () => stack.emulator.calls().length - seen >= 10);
    const cancel = await cli(['cancel', 'cli-cancel']);
    assert.equal(cancel.code, 0, cancel.stderr);
    const done = await job.exited;
    assert.equal(done.code, 4, done.stderr);
    const s = jsonOut<JobSummaryJson>(done);
    assert.equal(s.status, 'cancelled');
    assert.equal(s.imported + s.failed, s.items);
    // The page reads ahead of its calls: what it read and did not send ends cancelled.
    assert.ok(s.imported < 2_400 && s.failed > 0, 'the job stopped before the end');
    const rows = readRows(await readFile(s.reportJsonl ?? '', 'utf8'));
    assert.equal(rows.length, s.failed);
    assert.ok(rows.every((r) => r.kind === 'cancelled'));
    const failed = new Set(rows.map((r) => `${r.fromAccount}→${r.toAccount}`));
    let written = 0;
    for (const u of list) {
      const friends = stack.emulator.friendsOf(u.from);
      written += friends.length;
      for (const f of friends)
        assert.ok(!failed.has(`${u.from}→${f.To_Account}`), 'a cancelled item was written');
    }
    assert.equal(written, s.imported);
  });
});
