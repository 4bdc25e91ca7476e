/**
 * A job's report folder as its activities meet it. An error no retry can mend (no permission, a
 * file where a folder must be, a read-only file system) fails the job at once with the path and
 * what is wrong, instead of a page retrying for ever; others (a full disk, I/O errors) are retried,
 * and Temporal shows each attempt's error on the page while the operator mends it. A report in
 * object storage alike: no such bucket or access denied stop the job; a store that cannot be
 * reached is retried.
 */
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isObjectLocation, joinObjectLocation } from '../core/objectLocation.js';
import { deleteObject, putText, StorageError } from '../formats/storage/objects.js';

const NO_RETRY_MENDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'a folder stands where a file must be written',
  EROFS: 'the file system is read-only',
};

/** `err` as the job should see it: non-retryable when no retry can mend it, else as it was. */
export function reportFailure(err: unknown, path: string): unknown {
  if (err instanceof StorageError) {
    if (err.problem !== 'AccessDenied' && err.problem !== 'NoSuchBucket') return err;
    return ApplicationFailure.nonRetryable(
      `cannot write the job's report at ${err.message}; choose another --report, or mend the bucket or its permissions, and start a new job`,
      'ReportUnwritable',
    );
  }
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const why = code !== undefined ? NO_RETRY_MENDS[code] : undefined;
  if (why === undefined) return err;
  return ApplicationFailure.nonRetryable(
    `cannot write the job's report at ${path}: ${why} (${code}); choose another --report, or mend the folder, and start a new job`,
    'ReportUnwritable',
  );
}

/** Makes sure the folder for a page's outcome files exists and can be written, before any call. */
export async function ensureReportFolder(reportDir: string): Promise<void> {
  if (isObjectLocation(reportDir)) {
    // A store has no folders to make: writing (and removing) a marker where the outcome files go
    // is what shows the bucket is there and may be written.
    const marker = joinObjectLocation(reportDir, 'outcomes', `.probe-${randomUUID()}`);
    try {
      await putText(marker, '');
      await deleteObject(marker);
    } catch (err) {
      throw reportFailure(err, marker);
    }
    return;
  }
  const outcomes = join(reportDir, 'outcomes');
  try {
    await mkdir(outcomes, { recursive: true });
    await access(outcomes, constants.W_OK);
  } catch (err) {
    throw reportFailure(err, outcomes);
  }
}

/** Runs a write of report files, with its errors as the job should see them. */
export async function writingReport<T>(path: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    throw reportFailure(err, path);
  }
}
