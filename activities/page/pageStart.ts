/**
 * Where a page attempt starts: a retry resumes from its last heartbeat (./pageCheckpoint.ts), and
 * any outcome file written after that heartbeat is dropped, so its lines are done again and never
 * recorded twice; a first attempt starts at the page's cursor.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type {
  JobPageInput,
  PageCheckpoint,
  PageCounters,
  SourceCursor,
  SourceIdentity,
} from '../../core/jobTypes.js';
import { dropOutcomesAfter } from '../../formats/importReport.js';
import { identityChange, sourceIdentity } from '../../formats/source/identity.js';
import { StorageError } from '../../formats/storage/objects.js';
import type { FileRoots } from '../fileRoots.js';
import { ensureReportFolder } from '../reportFolder.js';

/** Where an attempt starts: its page's last checkpoint (a retry), or the page's cursor. */
export interface PageStart<P> {
  attempt: number;
  previous: P | undefined;
  resumeFrom: SourceCursor;
  sourceBytes: number;
  /** The source the job started with: what the file must still be. */
  sourceIdentity: SourceIdentity;
}

/** Why a job stops when its source changed under it: what changed, and what to do. */
export function sourceChangedMessage(path: string, change: string): string {
  return (
    `the source ${path} changed since the job started: ${change}. A job reads its file by offset, so it ` +
    `stops rather than mix two files: import the file as it is now as a new job (pairs already ` +
    `imported are written again with the same fields)`
  );
}

/**
 * Reads the attempt's start: a retry resumes from its last heartbeat, and any outcome file written
 * after it is dropped (its lines are done again). A path outside the worker's file roots, an
 * unreadable source, a source that is not the one the job started with, or a report folder that
 * cannot be written stops the job before any call.
 */
export async function startPage<P extends PageCheckpoint<PageCounters, object>>(
  input: JobPageInput,
  roots: FileRoots,
): Promise<PageStart<P>> {
  const ctx = Context.current();
  const previous = ctx.info.heartbeatDetails as P | undefined;
  await roots.check({ source: input.source.path, 'report folder': input.reportDir });
  await ensureReportFolder(input.reportDir);
  await dropOutcomesAfter(input.reportDir, input.page, previous?.segments ?? 0);
  const started = input.sourceIdentity ?? previous?.sourceIdentity;
  const now = await checkedSourceIdentity(input.source.path, started);
  return {
    attempt: ctx.info.attempt,
    previous,
    resumeFrom: previous?.resumeAt ?? input.cursor,
    sourceBytes: now.size,
    sourceIdentity: started ?? now,
  };
}

/**
 * The source's identity now; one that is not the job's any more (`started`), or that cannot be
 * read, stops the job.
 */
export async function checkedSourceIdentity(
  path: string,
  started: SourceIdentity | undefined,
): Promise<SourceIdentity> {
  const now = await sourceIdentity(path).catch((err: Error) => {
    // A store that cannot be reached now, or a worker without its settings (another worker may take
    // the retry), may do on the next attempt; a missing or forbidden object will not.
    if (err instanceof StorageError && !['NotFound', 'NoSuchBucket', 'AccessDenied'].includes(err.problem))
      throw err;
    const why = err instanceof StorageError ? err.message : `${path}: ${err.message}`;
    throw ApplicationFailure.nonRetryable(`cannot read ${why}`, 'SourceUnreadable');
  });
  const change = started && identityChange(started, now);
  if (change) throw ApplicationFailure.nonRetryable(sourceChangedMessage(path, change), 'SourceChanged');
  return now;
}
