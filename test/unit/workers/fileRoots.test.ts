import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileRoots } from '../../../activities/fileRoots.js';
import { loadWorkerSettings } from '../../../config/worker.js';

describe('file roots', () => {
  let base = '';
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'roots-'));
    await mkdir(join(base, 'root', 'jobs'), { recursive: true });
    await mkdir(join(base, 'elsewhere'));
    await symlink(join(base, 'elsewhere'), join(base, 'root', 'away'));
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('lets paths under a root through, existing or not yet, and the root itself', async () => {
    const roots = await FileRoots.open([join(base, 'root')]);
    await roots.check({
      root: join(base, 'root'),
      existing: join(base, 'root', 'jobs'),
      'not yet': join(base, 'root', 'jobs', 'j1', 'report.parts', 'outcomes'),
      'dot-dot that stays inside': join(base, 'root', 'jobs', '..', 'x.jsonl'),
      unset: undefined,
    });
  });

  it('refuses a path outside, through `..`, through a link, or relative, in one sentence', async () => {
    const roots = await FileRoots.open([join(base, 'root')]);
    for (const path of [
      join(base, 'elsewhere', 'x.jsonl'),
      `${join(base, 'root')}/../elsewhere/x.jsonl`,
      join(base, 'root', 'away', 'report.jsonl'),
      join(base, 'root-sibling', 'x.jsonl'),
      'relative/x.jsonl',
    ])
      await assert.rejects(
        roots.check({ source: path }),
        (err: Error & { type?: string; nonRetryable?: boolean }) =>
          err.type === 'PathOutsideRoots' &&
          err.nonRetryable === true &&
          err.message.startsWith(`the source ${path} is outside the folders this worker may use`),
        path,
      );
  });

  it('is configured as absolute folders like PATH, each checked at start', async () => {
    assert.deepEqual(loadWorkerSettings({ WORKER_FILE_ROOTS: '/a:/b/c:' }).WORKER_FILE_ROOTS, ['/a', '/b/c']);
    assert.equal(loadWorkerSettings({}).WORKER_FILE_ROOTS, undefined);
    assert.throws(
      () => loadWorkerSettings({ WORKER_FILE_ROOTS: '/a:relative' }),
      /WORKER_FILE_ROOTS must list absolute folders/,
    );
    await assert.rejects(
      FileRoots.open([join(base, 'missing')]),
      /WORKER_FILE_ROOTS: .*missing does not exist/,
    );
  });
});
