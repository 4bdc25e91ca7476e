/**
 * A source's identity for the job that reads it. A job reads its source by byte offset, page after
 * page and across crashes, so the source must stay the one it started with (docs/cli.md, a source
 * that changes). A file: its size, modification time and the SHA-256 of its first 64 KiB, taken
 * when the job's first page starts and compared by every later page, retry and checkpoint (a file
 * rewritten past its first 64 KiB with the same size and time is not noticed). An `s3://` object:
 * its size and ETag, compared the same way, and every ranged read asks for that ETag only.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { isObjectLocation } from '../../core/objectLocation.js';
import type { SourceIdentity } from '../../core/jobTypes.js';
import { headObject } from '../storage/objects.js';

const HEAD_BYTES = 64 * 1024;

export async function sourceIdentity(path: string): Promise<SourceIdentity> {
  if (isObjectLocation(path)) return headObject(path);
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

type SourceStat = Pick<SourceIdentity, 'size' | 'mtimeMs' | 'etag'>;

/** The size and time (an object's ETag) of the source now, for the cheap check at each checkpoint. */
export async function sourceStat(path: string): Promise<SourceStat> {
  if (isObjectLocation(path)) return headObject(path);
  const { size, mtimeMs } = await stat(path);
  return { size, mtimeMs };
}

/** What changed between the source the job started with and the source now, in words; undefined if nothing. */
export function identityChange(
  was: SourceIdentity,
  now: SourceStat & Partial<Pick<SourceIdentity, 'headSha256'>>,
): string | undefined {
  const changes: string[] = [];
  if (now.size !== was.size)
    changes.push(`${now.size > was.size ? 'it grew' : 'it shrank'} from ${was.size} to ${now.size} bytes`);
  if (was.etag !== undefined) {
    // An object is one version, named by its ETag: a copy with the same bytes has the same ETag
    // and reads the same, whatever its time.
    if (now.etag !== was.etag) changes.push(`it was replaced (ETag ${now.etag ?? 'none'}, was ${was.etag})`);
    return changes.length > 0 ? changes.join('; ') : undefined;
  }
  if (now.headSha256 !== undefined && now.headSha256 !== was.headSha256)
    changes.push('its first bytes differ (another file?)');
  if (now.mtimeMs !== was.mtimeMs)
    changes.push(
      `it was modified (${new Date(now.mtimeMs).toISOString()}, was ${new Date(was.mtimeMs).toISOString()})`,
    );
  return changes.length > 0 ? changes.join('; ') : undefined;
}
