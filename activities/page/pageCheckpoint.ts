/**
 * A page's checkpoints follow the file (docs/architecture.md, one outcome per item): the outcome
 * file of the lines settled at the front is written first, then a heartbeat names it and the line
 * to resume from. A retry drops any outcome file its checkpoint does not name and starts again at
 * that line (./pageStart.ts). The same heartbeat shows the page as it runs (the UI, the CLI).
 */
import type { Context } from '@temporalio/activity';
import type { PageCheckpoint, PageCounters, SourceCursor, SourceIdentity } from '../../core/jobTypes.js';
import { writeOutcomes } from '../../formats/importReport.js';
import { identityChange, sourceStat } from '../../formats/source/identity.js';
import { StorageError } from '../../formats/storage/objects.js';
import { sourceChangedMessage } from './pageStart.js';
import { writingReport } from '../reportFolder.js';

const CHECKPOINT_EVERY_MS = 1_000;

/** What a page's book (core/pageLines.ts) shows the attempt that runs it. */
export interface PageBookView<C extends PageCounters> {
  readonly full: boolean;
  /** Nothing read is waiting for a call or an answer. */
  readonly empty: boolean;
  readonly readHead: SourceCursor;
  readonly live: { lines: number; items: number };
  readonly checkpointed: C;
  resumeAt(): SourceCursor;
  settle(): { outcomes: readonly object[] } | undefined;
  syncCalls(calls: number): void;
}

/** What a page adds to its heartbeat of its own. */
export interface PageFigures<L> {
  /** The page's own figures in its heartbeat: beside `live` (if any), and in it. */
  details?(): object;
  live(): L;
}

interface CheckpointOptions<C extends PageCounters> {
  ctx: Context;
  page: number;
  reportDir: string;
  book: PageBookView<C>;
  /** Outcome files written by the attempts before this one (its checkpoint names them). */
  segments: number;
  /** Calls of the attempts before this one (a retry's checkpoint counts them too). */
  carriedCalls: number;
  sourceBytes: number;
  /** The job's source, checked at each checkpoint (a file changed mid-page stops the job). */
  source: { path: string; identity: SourceIdentity };
  /** This attempt's calls so far, and those in flight now. */
  calls: () => number;
  inFlight: () => number;
  /** Bytes fetched from an object store by this attempt. */
  bytesFetched?: () => number;
}

export class Checkpoints<C extends PageCounters> {
  readonly #o: CheckpointOptions<C>;
  /** Outcome files the page has written, this attempt and those before it. */
  #segments: number;
  #last = performance.now();

  constructor(options: CheckpointOptions<C>) {
    this.#o = options;
    this.#segments = options.segments;
  }

  get segments(): number {
    return this.#segments;
  }

  get sourceIdentity(): SourceIdentity {
    return this.#o.source.identity;
  }

  /** Why the job must stop because its source is no longer the file it started with, if it is not. */
  async sourceChanged(): Promise<string | undefined> {
    const { path, identity } = this.#o.source;
    let now;
    try {
      now = await sourceStat(path);
    } catch (err) {
      // A store that does not answer now says nothing of the object; its reads ask for the ETag.
      if (err instanceof StorageError && err.problem !== 'NotFound' && err.problem !== 'NoSuchBucket')
        return undefined;
      now = { size: -1, mtimeMs: -1 };
    }
    const change = identityChange(identity, now);
    return change && sourceChangedMessage(path, now.size < 0 ? 'it is gone' : change);
  }

  /** A second has passed since the last checkpoint. */
  due(): boolean {
    return performance.now() - this.#last >= CHECKPOINT_EVERY_MS;
  }

  /** A heartbeat that names the last checkpoint again, with the page's figures now. */
  heartbeat<L>(figures: PageFigures<L>, state: string): void {
    this.#o.ctx.heartbeat(this.#progress(figures, state));
  }

  /** Writes the outcome file of the lines settled at the front, if any, then the heartbeat that names it. */
  async write<L>(figures: PageFigures<L>, state: string): Promise<void> {
    const { book } = this.#o;
    this.#last = performance.now();
    const settled = book.settle();
    if (settled) {
      const { reportDir, page } = this.#o;
      const segment = ++this.#segments;
      await writingReport(reportDir, () => writeOutcomes(reportDir, page, segment, settled.outcomes));
    }
    book.syncCalls(this.#o.carriedCalls + this.#o.calls());
    this.heartbeat(figures, state);
  }

  #progress<L>(figures: PageFigures<L>, state: string): PageCheckpoint<C, L> {
    const { book } = this.#o;
    return {
      page: this.#o.page,
      resumeAt: book.resumeAt(),
      segments: this.#segments,
      counters: book.checkpointed,
      sourceIdentity: this.#o.source.identity,
      ...figures.details?.(),
      live: {
        ...figures.live(),
        calls: this.#o.carriedCalls + this.#o.calls(),
        inFlight: this.#o.inFlight(),
        linesRead: book.live.lines,
        items: book.live.items,
        bytesRead: book.readHead.offset,
        sourceBytes: this.#o.sourceBytes,
        ...(this.#o.source.identity.etag !== undefined && { bytesFetched: this.#o.bytesFetched?.() ?? 0 }),
        state,
      },
    };
  }
}
