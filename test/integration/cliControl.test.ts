/**
 * Steering a running bulk job from a second `friend-import` process, as operators do, against a
 * real dev server, the emulator over HTTP and a worker: `pause` stops new calls within a second,
 * `concurrency` and `resume` carry it on to an exact end; `cancel` ends it (exit 4) with what was
 * written exactly what is reported imported.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { JobSummaryJson } from '../../cli/commands/support/summary.js';
import { assertFriends } from '../support/data.js';
import { writeJsonl } from '../support/files.js';
import { jsonOut, readRows, waitFor } from './cliHelpers.js';
import { cliStack, users } from './cliStack.js';

describe('friend-import CLI: pause, concurrency, resume and cancel', { timeout: 600_000 }, () => {
  const ctx = cliStack('cli-control-');
  const { cli, spawn, seed } = ctx;

  it('pause stops new calls (none once it says paused with nothing in flight); concurrency and resume carry on to an exact end', async () => {
    const { emulator } = ctx.stack;
    const list = users('pz', 150, 30); // 3 calls each
    seed(list);
    const file = join(ctx.dir, 'pause.jsonl');
    await writeJsonl(file, list);
    const seen = emulator.calls().length;
    const jobCalls = () =>
      emulator
        .calls()
        .slice(seen)
        .filter((c) => c.fromAccount.startsWith('pz'));
    const job = spawn(['import', file, '--json', '--job-id', 'cli-pause', '--concurrency', '10']);
    await waitFor('calls for the job', () => jobCalls().length >= 15);

    const pause = await cli(['pause', 'cli-pause']);
    assert.equal(pause.code, 0, pause.stderr);
    assert.match(pause.stdout, /Job cli-pause: paused/);
    // Order, not a clock: once the job says it is paused with nothing in flight, no call starts.
    const paused = await waitFor('the paused page to stop', async () => {
      const st = jsonOut<JobSummaryJson>(await cli(['status', 'cli-pause', '--json']));
      return st.status === 'paused' && st.inFlight === 0 ? st : undefined;
    });
    const callsWhenStopped = jobCalls().length;
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(jobCalls().length, callsWhenStopped, 'no call starts while the job is paused');
    // A running job's progress query says where its report goes (workflows/bulkImport.ts hook).
    assert.equal(paused.reportJsonl, join(ctx.dir, 'friend-import-reports', 'cli-pause', 'report.jsonl'));
    const partial = jsonOut<{ final: boolean; reportCsv: string }>(
      await cli(['report', 'cli-pause', '--json']),
    );
    assert.deepEqual(
      [partial.final, partial.reportCsv],
      [false, join(ctx.dir, 'friend-import-reports', 'cli-pause', 'report.csv')],
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
    for (const u of list) assertFriends(emulator, u.from, u.items);
    const again = await cli(['pause', 'cli-pause']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /cannot pause job cli-pause: it has completed/);
  });

  it('cancel ends the job (exit 4): queued items are cancelled, what was written is exactly what is imported', async (t) => {
    const { emulator } = ctx.stack;
    const list = users('cx', 80, 30);
    seed(list);
    const file = join(ctx.dir, 'cancel.jsonl');
    await writeJsonl(file, list);
    // Slow answers keep the job running while the cancel command starts.
    emulator.setFaults({
      rules: [{ kind: 'slow', delayMs: 300, fromAccounts: list.map((u) => u.from) }],
    });
    t.after(() => emulator.setFaults(undefined));
    const seen = emulator.calls().length;
    const job = spawn(['import', file, '--job-id', 'cli-cancel', '--concurrency', '5', '--json']);
    await waitFor('calls for the job', () => emulator.calls().length - seen >= 10);
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
      const friends = emulator.friendsOf(u.from);
      written += friends.length;
      for (const f of friends)
        assert.ok(!failed.has(`${u.from}→${f.To_Account}`), 'a cancelled item was written');
    }
    assert.equal(written, s.imported);
  });
});
