/**
 * Replays recorded histories (test/fixtures/histories, written by scripts/record-histories.ts)
 * against the current workflow code: any change that would make a running import non-deterministic
 * fails here. The histories cover a 2,500-friend user, mixed per-item results, transient retries,
 * continue-as-new, a bulk job of several pages with pause, resume and continue-as-new, and the app
 * coordinator that leased users and rates to all of them.
 */
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { workflowBundle } from '../../workers/bundle.js';
import { projectRoot } from '../../cli/stack/temporalCli.js';

const DIR = join(projectRoot, 'test', 'fixtures', 'histories');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('replay of recorded histories', { timeout: 120_000 }, () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });

  it('has histories of every workflow to replay', () => {
    assert.ok(files.some((f) => f.startsWith('user-')));
    assert.ok(files.some((f) => f.startsWith('bulk-')));
    assert.ok(files.some((f) => f.startsWith('coordinator')));
  });

  for (const file of files)
    it(`${file} replays deterministically`, async () => {
      const { workflowId, history } = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as {
        workflowId: string;
        history: unknown;
      };
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
    });
});
