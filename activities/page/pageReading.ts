/**
 * Reading a page's lines (formats/source/stream.ts) within its limits. A page ends at `maxLines`
 * lines or `maxItems` items, but not in the middle of one user's consecutive rows (unless they run
 * past four times the line limit): a user's rows are written in one page, in file order. Reading
 * goes in short slices, so the calls of the lines read keep going while the file is parsed.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { JobPageInput, PageCounters, SourceCursor, SourceIdentity } from '../../core/jobTypes.js';
import type { PageRecord } from '../../core/pageBook.js';
import type { ChunkOptions } from '../../formats/source/chunks.js';
import { readRecords, SourceError, type SourceRecord } from '../../formats/source/stream.js';
import { StorageError } from '../../formats/storage/objects.js';
import { sourceChangedMessage } from './pageStart.js';

/** Reading yields to the calls after this much work. */
const READ_SLICE_MS = 8;

type PageLimits = JobPageInput['limits'];

/** How far the page has read. */
export interface PageReading {
  /** Lines and items taken in, counted from where the page began (not where a retry resumed). */
  lines: number;
  items: number;
  lastUser: string | undefined;
  /** Nothing more to read: the file ended, or the page reached its limits. */
  done: boolean;
  /** Where the page ended at its limits (undefined: it read to the end of the file, or stopped). */
  end: SourceCursor | undefined;
}

/** A retry resumes partway: the page's limits count from where the page began, not the retry. */
export function startReading(carried: PageCounters | undefined): PageReading {
  return {
    lines: carried?.lines ?? 0,
    items: carried?.items ?? 0,
    lastUser: undefined,
    done: false,
    end: undefined,
  };
}

/**
 * The page's records from `from` (where the attempt resumes) to the end of its file; an object is
 * read only while it is still the one the job started with (its ETag).
 */
export function openRecords(
  source: JobPageInput['source'],
  from: SourceCursor,
  identity: SourceIdentity,
  onFetched: ChunkOptions['onFetched'],
): AsyncIterator<SourceRecord> {
  const chunks: ChunkOptions = { ...(identity.etag !== undefined && { etag: identity.etag }), onFetched };
  return readRecords(source.path, source.format, from, chunks)[Symbol.asyncIterator]();
}

/**
 * A read error as the job should see it: a source that is gone, refused, or replaced (an object
 * whose ETag is no longer the job's) stops the job; others (a store briefly unreachable) retry.
 */
export function readFailure(err: unknown): unknown {
  if (err instanceof SourceError) return ApplicationFailure.nonRetryable(err.message, 'SourceUnreadable');
  if (!(err instanceof StorageError)) return err;
  if (err.problem === 'PreconditionFailed')
    return ApplicationFailure.nonRetryable(
      sourceChangedMessage(err.location, 'it was replaced (its ETag is not the one the job started with)'),
      'SourceChanged',
    );
  if (err.problem === 'NotFound' || err.problem === 'NoSuchBucket' || err.problem === 'AccessDenied')
    return ApplicationFailure.nonRetryable(`cannot read ${err.message}`, 'SourceUnreadable');
  return err;
}

/** Whether the page ends before `record`: at its limits, but not within one user's consecutive rows. */
function endsBefore(r: PageReading, record: PageRecord, { maxLines, maxItems }: PageLimits): boolean {
  const sameUser = record.fromAccount !== undefined && record.fromAccount === r.lastUser;
  const overLimit = r.lines >= maxLines || r.items >= maxItems;
  return overLimit && (!sameUser || r.lines >= maxLines * 4) && r.lines > 0;
}

/**
 * Reads records for a slice of time while `more()` (the page is not stopping, its book not full),
 * up to the page's limits, and hands each to `add`. An unreadable source stops the job.
 */
export async function readSlice(
  records: AsyncIterator<SourceRecord>,
  r: PageReading,
  limits: PageLimits,
  more: () => boolean,
  add: (record: PageRecord, start: SourceCursor, next: SourceCursor) => void,
): Promise<void> {
  const until = performance.now() + READ_SLICE_MS;
  while (!r.done && more() && performance.now() < until) {
    let next: IteratorResult<SourceRecord>;
    try {
      next = await records.next();
    } catch (err) {
      throw readFailure(err);
    }
    if (next.done) {
      r.done = true;
      break;
    }
    const { record, start, next: after } = next.value;
    if (endsBefore(r, record, limits)) {
      r.end = start;
      r.done = true;
      break;
    }
    r.lines++;
    r.items += record.itemCount;
    r.lastUser = record.fromAccount;
    add(record, start, after);
  }
}
