/**
 * Where a page attempt starts: a retry resumes from its last heartbeat (./pageCheckpoint.ts), and
 * any outcome file written after that heartbeat is dropped, so its lines are done again and never
 * recorded twice; a first attempt starts at the page's cursor.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { stat } from 'node:fs/promises';
import type { JobPageInput, PageCheckpoint, PageCounters, SourceCursor } from '../../core/jobTypes.js';
import { dropOutcomesAfter } from '../../formats/importReport.js';
import { ensureReportFolder } from '../reportFolder.js';

/** Where an attempt starts: its page's last checkpoint (a retry), or the page's cursor. */
export interface PageStart<P> {
  attempt: number;
  previous: P | undefined;
  resumeFrom: SourceCursor;
  sourceBytes: number;
}

/**
 * Reads the attempt's start: a retry resumes from its last heartbeat, and any outcome file written
 * after it is dropped (its lines are done again). An unreadable source, or a report folder that
 * cannot be written, stops the job before any call.
 */
export async function startPage<P extends PageCheckpoint<PageCounters, object>>(
  input: JobPageInput,
): Promise<PageStart<P>> {
  const ctx = Context.current();
  const previous = ctx.info.heartbeatDetails as P | undefined;
  await ensureReportFolder(input.reportDir);
  await dropOutcomesAfter(input.reportDir, input.page, previous?.segments ?? 0);
  const sourceBytes = await stat(input.source.path).then(
    (s) => s.size,
    (err: Error) => {
      throw ApplicationFailure.nonRetryable(
        `cannot read ${input.source.path}: ${err.message}`,
        'SourceUnreadable',
      );
    },
  );
  return {
    attempt: ctx.info.attempt,
    previous,
    resumeFrom: previous?.resumeAt ?? input.cursor,
    sourceBytes,
  };
}
