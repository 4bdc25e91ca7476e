/**
 * A bulk job outlives its processes (durable): the worker and the attached CLI are both SIGKILLed
 * mid-job; a new worker and `import --job-id` (re-attach) see it through to an exact end — every
 * item's outcome right, the emulator holding exactly the imported items.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JobSummaryJson } from '../../cli/commands/support/summary.js';
import { assertFriends, friendItem, friendItems } from '../support/data.js';
import { writeJsonl, type UserInput } from '../support/files.js';
import { killHard, startStack, type Stack } from '../../cli/stack/stack.js';
import { jsonOut, readRows, runCli, spawnCli, waitFor } from './cliHelpers.js';

describe('a bulk job survives SIGKILL of the worker and of the CLI', { timeout: 600_000 }, () => {
  let stack: Stack;
  let dir: string;
  before(async () => {
    // Workers only as child processes (spawnWorker), so they can be killed.
    stack = await startStack({
      worker: false,
      emulator: { recordCalls: true, writeLatencyMs: 20 },
      batchSize: 10,
    });
    dir = await mkdtemp(join(tmpdir(), 'cli-crash-'));
  });
  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('re-attaches by job ID and finishes exactly', async () => {
    const users: UserInput[] = Array.from({ length: 150 }, (_, i) => ({
      from: `k${i}`,
      items: friendItems(20, `k${i}-`),
    }));
    stack.emulator.seedAccounts(users.flatMap((u) => [u.from, ...u.items.map((x) => x.To_Account)]));
    // Failures that must come out exactly once each, whatever was killed when.
    const failing = new Map<string, [number, number | 'rejected']>();
    for (const i of [10, 60, 120]) {
      users[i]!.items.push(friendItem(`ghost-${i}`));
      failing.set(`k${i}→ghost-${i}`, [i + 1, 30003]);
    }
    users[90]!.items.push(friendItem('k90-long', { Remark: 'x'.repeat(97) }));
    failing.set('k90→k90-long', [91, 'rejected']);
    const file = join(dir, 'crash.jsonl');
    await writeJsonl(file, users);

    const worker = await stack.spawnWorker();
    const attached = spawnCli(['import', file, '--json', '--job-id', 'crash', '--concurrency', '20'], {
      env: stack.env,
      cwd: dir,
    });
    await waitFor('the job under way', () => stack.emulator.calls().length >= 60, 120_000);
    await killHard(worker);
    await killHard(attached.child);
    assert.equal((await attached.exited).signal, 'SIGKILL');
    const before = stack.emulator.calls().length;
    assert.ok(before < 300 + 3, 'killed mid-job');

    await stack.spawnWorker();
    const r = await runCli(['import', file, '--json', '--job-id', 'crash'], { env: stack.env, cwd: dir });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /Re-attached to job crash/);
    const s = jsonOut<JobSummaryJson>(r);
    assert.deepEqual(
      [s.status, s.items, s.imported, s.failed, s.failedByCode],
      ['completed', 3_004, 3_000, 4, { 30003: 3, rejected: 1 }],
    );
    const rows = readRows(await readFile(s.reportJsonl ?? '', 'utf8'));
    assert.deepEqual(
      rows.map((x) => [`${x.fromAccount}→${x.toAccount}`, x.line, x.code]).sort(),
      [...failing].map(([k, [line, code]]) => [k, line, code]).sort(),
    );
    for (const u of users)
      assertFriends(
        stack.emulator,
        u.from,
        u.items.filter((x) => !failing.has(`${u.from}→${x.To_Account}`)),
      );
  });
});
