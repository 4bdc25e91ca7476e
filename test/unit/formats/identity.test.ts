import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { identityChange, sourceIdentity } from '../../../formats/source/identity.js';

describe('a source identity', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'identity-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is the same for an untouched file, and says what changed when it did', async () => {
    const file = join(dir, 'a.jsonl');
    await writeFile(file, '{"From_Account":"a"}\n');
    const t = new Date('2026-01-01T00:00:00Z');
    await utimes(file, t, t);
    const was = await sourceIdentity(file);
    assert.equal(was.size, 21);
    assert.match(was.headSha256 ?? '', /^[0-9a-f]{64}$/);
    assert.equal(identityChange(was, await sourceIdentity(file)), undefined);

    await appendFile(file, '{"From_Account":"b"}\n');
    assert.match(
      identityChange(was, await sourceIdentity(file)) ?? '',
      /^it grew from 21 to 42 bytes; .*modified/,
    );

    // Replaced by another file of the same size, with the time put back: the first bytes tell.
    await writeFile(file, '{"From_Account":"z"}\n');
    await utimes(file, t, t);
    assert.equal(identityChange(was, await sourceIdentity(file)), 'its first bytes differ (another file?)');

    // Truncated: the cheap check (size and time, without the head) sees it too.
    await writeFile(file, '');
    const { size, mtimeMs } = await sourceIdentity(file);
    assert.match(identityChange(was, { size, mtimeMs }) ?? '', /^it shrank from 21 to 0 bytes/);
  });

  it('hashes only the first 64 KiB, so a large file costs one small read', async () => {
    const file = join(dir, 'big.jsonl');
    await writeFile(file, Buffer.alloc(200 * 1024, 'x'));
    const a = await sourceIdentity(file);
    await writeFile(file, Buffer.concat([Buffer.alloc(100 * 1024, 'x'), Buffer.alloc(100 * 1024, 'y')]));
    const b = await sourceIdentity(file);
    assert.equal(a.headSha256, b.headSha256);
    assert.equal(a.size, b.size);
  });
});
