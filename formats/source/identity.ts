/**
 * A source's identity for the job that reads it. A job reads its file by byte offset, page after
 * page and across crashes, so the file must stay the one it started with: its size, modification
 * time and the SHA-256 of its first 64 KiB are taken when the job's first page starts, and every
 * later page, retry and checkpoint compares the file with them (docs/cli.md, a source that
 * changes). A file rewritten past its first 64 KiB with the same size and time is not noticed.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { SourceIdentity } from '../../core/jobTypes.js';

const HEAD_BYTES = 64 * 1024;

export async function sourceIdentity(path: string): Promise<SourceIdentity> {
  const file = await open(path, 'r');
  try {
    const { size, mtimeMs } = await file.stat();
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return {
      size,
      mtimeMs,
      headSha256: createHash('sha256').update(head.subarray(0, bytesRead)).digest('hex'),
    };
  } finally {
    await file.close();
  }
}

/** The size and time of the file now, for the cheap check at each checkpoint. */
export async function sourceStat(path: string): Promise<Pick<SourceIdentity, 'size' | 'mtimeMs'>> {
  const { size, mtimeMs } = await stat(path);
  return { size, mtimeMs };
}

/** What changed between the source the job started with and the file now, in words; undefined if nothing. */
export function identityChange(
  was: SourceIdentity,
  now: Pick<SourceIdentity, 'size' | 'mtimeMs'> & Partial<Pick<SourceIdentity, 'headSha256'>>,
): string | undefined {
  const changes: string[] = [];
  if (now.size !== was.size)
    changes.push(`${now.size > was.size ? 'it grew' : 'it shrank'} from ${was.size} to ${now.size} bytes`);
  if (now.headSha256 !== undefined && now.headSha256 !== was.headSha256)
    changes.push('its first bytes differ (another file?)');
  if (now.mtimeMs !== was.mtimeMs)
    changes.push(
      `it was modified (${new Date(now.mtimeMs).toISOString()}, was ${new Date(was.mtimeMs).toISOString()})`,
    );
  return changes.length > 0 ? changes.join('; ') : undefined;
}
