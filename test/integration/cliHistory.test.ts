/**
 * A 100,000-line file through `friend-import import`: the bulk workflow's history stays bounded —
 * it continues as new, and every run of the job's chain stays under the bound whatever the file's
 * size (history hygiene, docs/architecture.md). Small users (one friend per line, 500 lines each)
 * keep it short; the dev server suggests continue-as-new at 300 events instead of 4,096 (a low
 * limit, as Temporal advises for testing continue-as-new), so 100 pages already make a chain of
 * several runs.
 */
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JobSummaryJson } from '../../cli/commands/support/summary.js';
import { bulkJobWorkflowId } from '../../core/definitions.js';
import { startStack, type Stack } from '../../cli/stack/stack.js';
import { jsonOut, runCli } from './cliHelpers.js';

const USERS = 200;
const LINES_PER_USER = 500;
const SUGGEST_CONTINUE_AS_NEW = 300;
/** A run continues at its next page boundary after the suggestion; outcomes arriving meanwhile add a few events. */
const MAX_EVENTS_PER_RUN = 2 * SUGGEST_CONTINUE_AS_NEW;

describe('a 100,000-line job keeps its history bounded', { timeout: 600_000 }, () => {
  let stack: Stack;
  let dir: string;
  before(async () => {
    stack = await startStack({
      rateLimit: 1_000,
      devServer: { dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': SUGGEST_CONTINUE_AS_NEW } },
    });
    dir = await mkdtemp(join(tmpdir(), 'cli-history-'));
  });
  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('continues as new, each run of the chain under the bound, every item imported', async () => {
    const file = join(dir, 'big.jsonl');
    const out = createWriteStream(file);
    const accounts: string[] = [];
    for (let u = 0; u < USERS; u++) {
      accounts.push(`h${u}`);
      for (let k = 0; k < LINES_PER_USER; k++) {
        accounts.push(`h${u}-${k}`);
        const line = JSON.stringify({
          From_Account: `h${u}`,
          AddFriendItem: [{ To_Account: `h${u}-${k}`, AddSource: 'AddSource_Type_Web' }],
        });
        if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
    }
    await new Promise<void>((resolve) => out.end(resolve));
    stack.emulator.seedAccounts(accounts);

    // Pages of 1,000 lines (two users each): 100 pages.
    const r = await runCli(['import', file, '--json', '--job-id', 'history', '--page-lines', '1000'], {
      env: stack.env,
      cwd: dir,
      timeoutMs: 540_000,
    });
    assert.equal(r.code, 0, r.stderr);
    const s = jsonOut<JobSummaryJson>(r);
    assert.deepEqual(
      [s.status, s.lines, s.items, s.imported, s.failed],
      ['completed', 100_000, 100_000, 100_000, 0],
    );

    const runs: { runId: string; historyLength: number; status: string }[] = [];
    for await (const wf of stack.client.workflow.list({
      query: `WorkflowId = '${bulkJobWorkflowId('history')}'`,
    }))
      runs.push({ runId: wf.runId, historyLength: wf.historyLength, status: wf.status.name });
    // Visibility may lag the last run's close; describe() gives each run's length for sure.
    for (const run of runs) {
      const described = await stack.client.workflow
        .getHandle(bulkJobWorkflowId('history'), run.runId)
        .describe();
      run.historyLength = described.historyLength;
    }
    const lengths = runs.map((x) => x.historyLength);
    process.stdout.write(`# bulk job runs: ${runs.length}, events per run: ${lengths.join(', ')}\n`);
    assert.ok(runs.length >= 2, `the job continued as new (runs: ${runs.length})`);
    assert.equal(runs.filter((x) => x.status === 'CONTINUED_AS_NEW').length, runs.length - 1);
    for (const n of lengths) assert.ok(n > 0 && n <= MAX_EVENTS_PER_RUN, `a run has ${n} events`);

    let friends = 0;
    for (let u = 0; u < USERS; u++) friends += stack.emulator.friendsOf(`h${u}`).length;
    assert.equal(friends, 100_000);
  });
});
