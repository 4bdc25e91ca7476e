/**
 * The hostile-input suite, through the real CLI, worker, dev server and emulator: answers that are
 * not the service's, two operators starting one job, a report folder that cannot be written, a
 * source that changes under its job, paths outside the worker's file roots.
 * Every case ends in a clear error or an exact result: one outcome per item, nothing written
 * twice, nothing lost. (Bad rows of every kind: badInput.test.ts; usage and job IDs:
 * cliUsage.test.ts; secrets in logs: workerOps.test.ts.)
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { JobSummaryJson } from '../../cli/commands/support/summary.js';
import { assertFriends } from '../support/data.js';
import { writeJsonl } from '../support/files.js';
import { jsonOut, waitFor } from './cliHelpers.js';
import { cliStack, users } from './cliStack.js';

describe('hostile input', { timeout: 300_000 }, () => {
  const s = cliStack('hostile-');
  /** `n` users with `items` friends each, known to the emulator, in a JSONL file named for them. */
  const input = async (prefix: string, n: number, items: number) => {
    const list = users(prefix, n, items);
    s.seed(list);
    const file = join(s.dir, `${prefix}.jsonl`);
    await writeJsonl(file, list);
    return { list, file };
  };

  it('a 200 answer that is not JSON, or says OK without ResultItem, through a job: every item imported once', async () => {
    const { list, file } = await input('mal', 6, 25);
    s.stack.emulator.setFaults({
      rules: [
        { kind: 'malformed', shape: 'notJson', nth: [1, 4] },
        { kind: 'malformed', shape: 'noResultItem', nth: [2, 7] },
      ],
    });
    try {
      const run = await s.cli(['import', file, '--json', '--job-id', 'hostile-malformed']);
      assert.equal(run.code, 0, run.stderr.slice(-2000));
      const summary = jsonOut<JobSummaryJson>(run);
      assert.deepEqual([summary.status, summary.imported, summary.failed], ['completed', 150, 0]);
    } finally {
      s.stack.emulator.setFaults(undefined);
    }
    const faulted = s.stack.emulator.calls().filter((c) => c.fault?.startsWith('malformed:'));
    assert.deepEqual(faulted.map((c) => c.fault).sort(), [
      'malformed:noResultItem',
      'malformed:noResultItem',
      'malformed:notJson',
      'malformed:notJson',
    ]);
    for (const u of list) assertFriends(s.stack.emulator, u.from, u.items);
  });

  it('two CLIs starting one job ID at once: one job runs, and both follow it to the same end', async () => {
    const { list, file } = await input('twin', 8, 20);
    const before = await s.bulkJobs();
    const start = () => s.cli(['import', file, '--json', '--job-id', 'hostile-twins']);
    const [a, b] = await Promise.all([start(), start()]);
    assert.equal(a.code, 0, a.stderr.slice(-2000));
    assert.equal(b.code, 0, b.stderr.slice(-2000));
    const [sa, sb] = [jsonOut<JobSummaryJson>(a), jsonOut<JobSummaryJson>(b)];
    assert.equal(sa.workflowId, sb.workflowId);
    const figures = (x: JobSummaryJson) => [x.status, x.items, x.imported, x.failed, x.calls];
    assert.deepEqual(figures(sa), ['completed', 160, 160, 0, figures(sa)[4]]);
    assert.deepEqual(figures(sb), figures(sa));
    assert.equal(await s.bulkJobs(), before + 1, 'one job started');
    // Batches of 10: each user's 20 items went in two calls, once.
    const calls = s.stack.emulator.calls().filter((c) => c.fromAccount.startsWith('twin'));
    assert.equal(calls.length, 16);
    for (const u of list) assertFriends(s.stack.emulator, u.from, u.items);
  });

  it('a report folder that cannot be written: the job fails at once, naming the path, before any call', async () => {
    const { file } = await input('unwritable', 3, 5);
    // A file where a folder must be: no mkdir below it succeeds, whoever runs the worker (even root).
    const blocker = join(s.dir, 'not-a-folder');
    await writeFile(blocker, 'x');
    const report = join(blocker, 'reports', 'report.jsonl');
    const run = await s.cli(['import', file, '--json', '--job-id', 'hostile-unwritable', '--report', report]);
    assert.equal(run.code, 1, run.stderr.slice(-2000));
    const summary = jsonOut<JobSummaryJson>(run);
    assert.equal(summary.status, 'failed');
    assert.match(summary.error ?? '', /cannot write the job's report at .*not-a-folder.*\(ENOTDIR\)/);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    // The page checks its folder before its first call: nothing was sent that no report could record.
    const calls = s.stack.emulator.calls().filter((c) => c.fromAccount.startsWith('unwritable'));
    assert.equal(calls.length, 0);
  });

  it('a source appended while its job runs: the job stops, saying what changed, and never reads the new lines', async (t) => {
    const list = users('grow', 6, 10);
    const late = users('late', 1, 3);
    s.seed([...list, ...late]);
    const file = join(s.dir, 'growing.jsonl');
    await writeJsonl(file, list);
    // The first user's answer is held, so the job is surely running when the file grows.
    s.stack.emulator.setFaults({ rules: [{ kind: 'slow', delayMs: 3_000, fromAccounts: ['grow0'] }] });
    t.after(() => s.stack.emulator.setFaults(undefined));
    const started = await s.cli(['import', file, '--detach', '--job-id', 'hostile-growing']);
    assert.equal(started.code, 0, started.stderr);
    // A finished call proves the page took the file's identity before it grew.
    await waitFor('a first call', () =>
      s.stack.emulator.calls().some((c) => c.fromAccount.startsWith('grow')),
    );
    await appendFile(file, `${JSON.stringify({ From_Account: 'late0', AddFriendItem: late[0]!.items })}\n`);
    const end = await s.cli(['import', file, '--job-id', 'hostile-growing', '--json']);
    assert.equal(end.code, 1, end.stderr.slice(-2000));
    const summary = jsonOut<JobSummaryJson>(end);
    assert.equal(summary.status, 'failed');
    assert.match(summary.error ?? '', /changed since the job started: it grew from \d+ to \d+ bytes/);
    assert.match(summary.error ?? '', /import the file as it is now as a new job/);
    assert.deepEqual(s.stack.emulator.friendsOf('late0'), [], 'the appended line was never read');
  });

  it('paths outside the worker’s file roots, straight or through a link: refused before anything is read or written', async (t) => {
    // A folder outside the stack's roots (home, the temporary folder, the working folder).
    const outside = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : '/var/tmp', 'hostile-'));
    t.after(() => rm(outside, { recursive: true, force: true }));
    const list = users('roots', 2, 3);
    s.seed(list);
    const source = join(outside, 'outside.jsonl');
    await writeJsonl(source, list);
    const read = await s.cli(['import', source, '--json', '--job-id', 'hostile-outside-source']);
    assert.equal(read.code, 1, read.stderr.slice(-2000));
    assert.match(
      jsonOut<JobSummaryJson>(read).error ?? '',
      /^the source .*outside\.jsonl is outside the folders this worker may use \(WORKER_FILE_ROOTS: /,
    );

    // A report folder inside the roots by name, outside by where its link leads.
    const file = join(s.dir, 'roots.jsonl');
    await writeJsonl(file, list);
    const link = join(s.dir, 'reports-link');
    await symlink(outside, link);
    const write = await s.cli([
      'import',
      file,
      '--json',
      '--job-id',
      'hostile-outside-report',
      '--report',
      join(link, 'r', 'report.jsonl'),
    ]);
    assert.equal(write.code, 1, write.stderr.slice(-2000));
    assert.match(
      jsonOut<JobSummaryJson>(write).error ?? '',
      /^the report folder .*reports-link.* is outside the folders/,
    );
    assert.deepEqual(await readdir(outside), ['outside.jsonl'], 'nothing written outside the roots');
    assert.equal(s.stack.emulator.calls().filter((c) => c.fromAccount.startsWith('roots')).length, 0);
  });
});
