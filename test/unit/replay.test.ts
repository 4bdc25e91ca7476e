/**
 * Replays recorded histories (test/fixtures/histories/<version>/, written by
 * scripts/record-histories.ts with each release) against the current workflow code: any change
 * that would make a running import of an earlier release non-deterministic fails here. Each
 * version's histories cover a 2,500-friend user, mixed per-item results, transient retries,
 * continue-as-new, a bulk job of several pages with pause, resume and continue-as-new, a verify
 * job, and the app coordinator that leased users and rates to all of them; from 0.2.0-dev.2 on, a user
 * import made in one workflow task (the quick path) too.
 */
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { workflowBundle } from '../../workers/bundle.js';
import { projectRoot } from '../../cli/stack/temporalCli.js';

const DIR = join(projectRoot, 'test', 'fixtures', 'histories');
const versions = readdirSync(DIR).sort();
const files = versions.flatMap((v) =>
  readdirSync(join(DIR, v))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(v, f)),
);

describe('replay of recorded histories', { timeout: 120_000 }, () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });

  it('has histories of every workflow, of every release, to replay', () => {
    assert.ok(versions.length >= 2, `histories of ${versions.join(', ')}`);
    for (const v of versions)
      for (const kind of ['user-', 'bulk-', 'coordinator'])
        assert.ok(
          files.some((f) => f.startsWith(`${v}/${kind}`)),
          `${v} has a ${kind} history`,
        );
    assert.ok(
      files.some((f) => f.endsWith('user-quick.json')),
      'a quick user import',
    );
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
