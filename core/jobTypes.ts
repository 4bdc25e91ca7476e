/**
 * What goes in and out of BulkImportWorkflow and its page activity: plain data, small, bounded
 * by a page and never by the whole file (docs/architecture.md, history hygiene).
 */
import type { FailureKind, UnsentCode } from './userImportTypes.js';
import type { AccountTotals } from './accounts.js';
import type { NotifyTarget } from './notify.js';

export type SourceFormat = 'jsonl' | 'csv';

/**
 * Why `id` cannot name a job, or undefined when it can: 1–200 letters, digits and `. _ : @ -`,
 * starting with a letter or a digit. A job's ID names its report folder, so `.`, `..` and other
 * names that start with a dot or a dash never reach a path.
 */
export function jobIdProblem(id: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/.test(id)
    ? undefined
    : `"${id}" is not a job ID: use letters, digits and . _ : @ -, starting with a letter or a digit (up to 200 characters)`;
}

/** A source's format by its name: `.jsonl` or `.ndjson`, `.csv` (any case); undefined otherwise. */
export function formatByExtension(path: string): SourceFormat | undefined {
  const ext = /\.[^./\\]*$/.exec(path)?.[0].toLowerCase();
  return ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : ext === '.csv' ? 'csv' : undefined;
}

/** Where the reader resumes: a byte offset (the file never enters history) and the line number there. */
export interface SourceCursor {
  offset: number;
  line: number;
  /** CSV: the header's columns, read once at the start. */
  columns?: string[];
}

/** One row of the report: one item that failed or was superseded (or one unusable input line). */
export interface ReportRow {
  line: number;
  fromAccount: string;
  toAccount: string;
  code: number | UnsentCode;
  reason: string;
  kind: FailureKind;
}

/**
 * What a page recorded for one input line and user (a line of a page's outcome file): the
 * friends imported and the items that failed, so each item of the line has exactly one outcome.
 */
export interface LineOutcome {
  line: number;
  fromAccount: string;
  imported: string[];
  failed: Omit<ReportRow, 'line' | 'fromAccount'>[];
}

export interface BulkJobInput {
  jobId: string;
  /**
   * The IM app the job imports into; every page names it to the workers, which may serve several.
   * Absent in jobs started by builds before several apps were served, or by a caller naming none.
   */
  sdkAppId?: number;
  source: { path: string; format: SourceFormat };
  /** Folder for the outcome files and the final report (on the workers' file system). */
  reportDir: string;
  /** Final report files (defaults under reportDir). */
  reportJsonl: string;
  reportCsv: string;
  /** friend_import calls in flight at once (adjustable while running). */
  concurrency: number;
  /** Upper bound on lines per page (a page is one activity; it may run long, checkpointing as it goes). */
  pageLines: number;
  /** Upper bound on items per page. */
  pageItems?: number;
  /** Continue as new after this many history events (or when the server suggests it). */
  continueAsNewAfterEvents?: number;
  /**
   * Accounts first (docs/cli.md, "Accounts first"): before each page's friends are sent, the
   * accounts its items name are checked and the missing ones created (UserID only).
   */
  createAccounts?: boolean;
  /** POST the job's end here (docs/cli.md, "Notifications"); the signing secret stays on the workers. */
  notify?: NotifyTarget;
}

export type JobState = 'running' | 'paused' | 'cancelling' | 'completed' | 'cancelled' | 'failed';

export interface JobCounters {
  /** Input lines consumed so far. */
  lines: number;
  /** Distinct From_Accounts, counted once per page they appear in. */
  users: number;
  /** Items read (valid or not), plus one per unusable line. */
  items: number;
  imported: number;
  failed: number;
  /** Vendor code, or `rejected`, → items. */
  failedByCode: Record<string, number>;
  /**
   * Items a later row for the same pair won over before they were sent: reported, not failed.
   * Absent in counters carried by jobs started before 0.2.0-dev.3.
   */
  superseded?: number;
  /** friend_import calls made for this job (retries included). */
  calls: number;
}

export function emptyCounters(): JobCounters {
  return { lines: 0, users: 0, items: 0, imported: 0, failed: 0, failedByCode: {}, superseded: 0, calls: 0 };
}

/**
 * Items that did not import as themselves: a job's, a page's, a user's import, one submission's.
 * The failed ones by code, and apart from them the superseded ones, which are not failures.
 */
export type FailedTally = Pick<JobCounters, 'failed' | 'failedByCode' | 'superseded'>;

/** Adds `b` into `a` (job totals, page totals). */
export function addCounters(a: JobCounters, b: JobCounters): void {
  a.lines += b.lines;
  a.users += b.users;
  a.items += b.items;
  a.imported += b.imported;
  a.calls += b.calls;
  addFailed(a, b);
}

/** Adds `b`'s failed (and superseded) items into `a`, code by code. */
export function addFailed(a: FailedTally, b: FailedTally): void {
  a.failed += b.failed;
  for (const [code, n] of Object.entries(b.failedByCode))
    a.failedByCode[code] = (a.failedByCode[code] ?? 0) + n;
  if (b.superseded) a.superseded = (a.superseded ?? 0) + b.superseded;
}

/** Counts `n` items that ended with `code`: failed under it, or superseded (not a failure). */
export function countFailed(c: FailedTally, code: string, n = 1): void {
  if (code === 'superseded') {
    c.superseded = (c.superseded ?? 0) + n;
    return;
  }
  c.failed += n;
  c.failedByCode[code] = (c.failedByCode[code] ?? 0) + n;
}

/** What a running page tells the job (through its control query) and the Temporal UI (heartbeat details). */
export interface JobControl {
  state: JobState;
  concurrency: number;
}

/**
 * The most friend_import calls one job keeps in flight: the one bound of `import`, `verify` and
 * `demo --concurrency`, `concurrency JOB N`, the library's startBulkJob and startVerifyJob, and the
 * job workflows themselves.
 */
export const MAX_CONCURRENCY = 1_000;
export const DEFAULT_CONCURRENCY = 100;
/** Lines per page: a page is one long activity that checkpoints as it goes, so pages can be large. */
export const DEFAULT_PAGE_LINES = 100_000;

/**
 * Why `value` is not a job concurrency (a whole number 1–MAX_CONCURRENCY), or undefined when it
 * is. A string is what a person typed (digits only); a number is what code passed. The CLI and the
 * library word the refusal alike, so a user meets one message wherever the number came from.
 */
export function concurrencyProblem(value: unknown): string | undefined {
  const n = typeof value === 'string' ? (/^\d+$/.test(value) ? Number(value) : NaN) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_CONCURRENCY) return undefined;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return `concurrency must be a whole number 1–${MAX_CONCURRENCY}, got ${shown}`;
}

/**
 * What every page activity of a job gets (an import's and a verify's): where to read, how much,
 * where its outcome files go, and what the job's previous page left of the app's rate.
 */
/** What a job knows its source by (formats/source/identity.ts): it must not change under the job. */
export interface SourceIdentity {
  size: number;
  /** A file's modification time; an object's Last-Modified (shown, not compared: its ETag is). */
  mtimeMs: number;
  /** A file's: SHA-256 of the first 64 KiB, hex. */
  headSha256?: string;
  /** An `s3://` object's ETag: each ranged read asks for this version only. */
  etag?: string;
}

export interface JobPageInput {
  jobId: string;
  /** The job's IM app (see BulkJobInput): the worker makes the page's calls with that app's settings. */
  sdkAppId?: number;
  jobWorkflowId: string;
  /** 1, 2, … across the job's runs: with the attempt, it orders the job's incarnations at the coordinator. */
  page: number;
  source: { path: string; format: SourceFormat };
  /** The source as the job's first page found it (absent for that page, which takes it). */
  sourceIdentity?: SourceIdentity;
  cursor: SourceCursor;
  limits: { maxLines: number; maxItems: number };
  reportDir: string;
  concurrency: number;
  /**
   * How long ago (ms) each call of the previous page in its last second was answered, as that page
   * ended: those calls still count in this page's first second (the app-wide rate).
   */
  windowTail: number[];
}

export interface PageInput extends JobPageInput {
  /** The previous page stopped early (a pause): items it sent may already be in the service. */
  resumed?: boolean;
  /** The page's accounts that could not be created (core/accounts.ts): the items that name them fail. */
  accountFailures?: string;
  /**
   * A sync's page (core/syncTypes.ts): its lines are friend_update or friend_delete writes in the
   * plan's friend_import shape. Absent: friend_import, as every import job's page.
   */
  op?: 'import' | 'update' | 'delete';
  /** Items per friend_update call (op `update`; default 100). */
  updateBatch?: number;
}

/** What every page counts, whatever it does with the lines. */
export interface PageCounters {
  lines: number;
  users: number;
  items: number;
  calls: number;
}

/** What every page shows of itself as it runs (the UI, the CLI's live figures). */
export interface PageLiveBase {
  calls: number;
  inFlight: number;
  linesRead: number;
  items: number;
  bytesRead: number;
  sourceBytes: number;
  /** An `s3://` source: bytes this attempt fetched from the store (a resume starts at its checkpoint). */
  bytesFetched?: number;
  state: string;
}

/** The checkpoint a page's retry resumes from (its last heartbeat), and what the UI shows. */
export interface PageCheckpoint<C extends PageCounters, Live> {
  page: number;
  /** Every line before this has its outcomes in the page's first `segments` outcome files. */
  resumeAt: SourceCursor;
  segments: number;
  /** Totals of the lines before `resumeAt`. */
  counters: C;
  /** The source the job started with (a retry of the first page compares the file with it). */
  sourceIdentity?: SourceIdentity;
  /** For the UI and the CLI: the page as it runs. */
  live: Live & PageLiveBase;
}

export type PageProgress = PageCheckpoint<
  JobCounters,
  { usersDone: number; usersRead: number; imported: number; failed: number }
>;

/** What a page returns to its job: counters and a cursor, never the lines themselves. */
export interface PageEnd<C extends PageCounters> {
  page: number;
  next: SourceCursor;
  eof: boolean;
  /** The page stopped early because the job was paused or cancelled. */
  stopped?: 'paused' | 'cancelled';
  counters: C;
  segments: number;
  sourceBytes: number;
  /** The source the job started with, for the pages after this one. */
  sourceIdentity?: SourceIdentity;
  windowTail: number[];
  /** A setting is wrong (no retry can help): the job stops with this message. */
  error?: string;
}

export type PageResult = PageEnd<JobCounters>;

export interface JobProgress extends JobCounters {
  jobId: string;
  state: JobState;
  /** friend_import calls in flight in the running page (0 between pages). */
  inFlight: number;
  concurrency: number;
  /** Bytes of the source consumed, for the ETA. */
  offset: number;
  sourceBytes: number;
  eof: boolean;
  startedAt: number;
  elapsedMs: number;
  /** Pages completed. */
  pages: number;
  /** Set when the job failed (e.g. a configuration error). */
  error?: string;
  /** Where the final report goes (set by every run that answers the query). */
  reportJsonl?: string;
  reportCsv?: string;
  /** Accounts checked, created and not creatable, and the account calls (jobs with createAccounts). */
  accounts?: AccountTotals;
  /** The job's end notification did not land within its retry budget (workflows/notifyEnd.ts). */
  notifyError?: string;
}

export interface JobSummary extends JobProgress {
  reportJsonl: string;
  reportCsv: string;
  /**
   * The retry file (docs/cli.md, the retry file): the items a re-run could change, in the input's
   * format. Absent when the job has none, and in results of builds before it.
   */
  retryFile?: string;
  retryItems?: number;
}
