/**
 * What goes in and out of BulkImportWorkflow and its activities: plain data, small, bounded by a
 * page — never by the whole file (product.md §4, history hygiene).
 */
import type { FailureKind } from './types.js';

export type SourceFormat = 'jsonl' | 'csv';

/** Where the reader resumes: a byte offset (the file never enters history) and the line number there. */
export interface SourceCursor {
  offset: number;
  line: number;
  /** CSV: the header's columns, read once at the start. */
  columns?: string[];
}

/** One row of the failure report: one failed item (or one unusable input line). */
export interface ReportRow {
  line: number;
  fromAccount: string;
  toAccount: string;
  code: number | 'rejected';
  reason: string;
  kind: FailureKind;
}

export interface BulkJobInput {
  jobId: string;
  source: { path: string; format: SourceFormat };
  /** Folder for the report parts and the final report (on the workers' file system). */
  reportDir: string;
  /** Final report files (defaults under reportDir). */
  reportJsonl: string;
  reportCsv: string;
  /** Users in flight at once (adjustable while running). */
  concurrency: number;
  /** Upper bound on lines per page. */
  pageLines: number;
  /** Continue as new after this many history events (or when the server suggests it). */
  continueAsNewAfterEvents?: number;
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
  /** friend_import calls that carried this job's items. */
  calls: number;
}

export interface JobProgress extends JobCounters {
  jobId: string;
  state: JobState;
  /** Users (submissions) waiting for their outcomes. */
  inFlight: number;
  concurrency: number;
  /** Bytes of the source consumed, for the ETA. */
  offset: number;
  sourceBytes: number;
  eof: boolean;
  startedAt: number;
  elapsedMs: number;
  /** Set when the job failed (e.g. a configuration error). */
  error?: string;
  /** Where the final report goes (set by every run that answers the query). */
  reportJsonl?: string;
  reportCsv?: string;
}

export interface JobSummary extends JobProgress {
  reportJsonl: string;
  reportCsv: string;
}

export interface JobControl {
  jobWorkflowId: string;
  action: 'pause' | 'resume' | 'cancel';
}
