/**
 * The activities the workflows call, as contracts: their names, inputs and outputs. Workflows
 * type their activity proxies with these; activities/ implements them (and the compiler checks it).
 * Keeping them here lets workflow code depend on data shapes only, never on activity code.
 */
import type { PageInput, PageResult, SourceFormat } from './jobTypes.js';
import type { FriendImportAnswer } from './userImportTypes.js';
import type { PrepareAccountsInput, PrepareAccountsResult } from './accounts.js';
import type { VerifyPageInput, VerifyPageResult, VerifyTotals } from './verifyTypes.js';
import type { PlanPartInput, PlanSegment, SyncPairCounts } from './syncTypes.js';
import type { AddFriendItem } from '../im/schemas.js';

export interface FriendImportInput {
  /** The IM app the call is for (absent in calls scheduled by builds before several apps were served). */
  sdkAppId?: number;
  fromAccount: string;
  items: AddFriendItem[];
  /** Items that may already be in the service (sent before): a refusal of one is confirmed first. */
  maybeLanded?: string[];
  /** Calls of this batch made before this activity (by a local first try): they count as attempts. */
  sentBefore?: number;
  /**
   * A local first try starts no call after this time (ms since the epoch; the workflow task's
   * start plus a few seconds): a try still waiting then parks the run instead, so the task that
   * waits for it ends well within its timeout and never runs the try, and its call, twice.
   */
  startBy?: number;
}

/** The user import: one friend_import call for one user's batch. */
export interface ServiceActivities {
  friendImport(input: FriendImportInput): Promise<FriendImportAnswer>;
}

export interface ReportFiles {
  reportDir: string;
  reportJsonl: string;
  reportCsv: string;
}

/**
 * A bulk job's report files, and what its end knows of the source. Without `source` (a job
 * started by an earlier build, a sync) no retry file is written.
 */
export interface ImportReportFiles extends ReportFiles {
  source?: { path: string; format: SourceFormat };
  /** The source's version the job read (an `s3://` object's ETag). */
  etag?: string;
  /** Where the job stopped reading: the end of the source, or the line its next page starts at. */
  readTo?: { eof: boolean; line: number };
  /** `false`: no retry file (a sync's pages read its plan, not an input of the user's). */
  retryFile?: boolean;
}

/**
 * The final report's rows, and the retry file (docs/cli.md, the retry file): absent when the job
 * has none (it stopped before a page ended, or the source can no longer be read).
 */
export interface FinalReport {
  rows: number;
  retryFile?: string;
  retryItems?: number;
}

/** A bulk job's pages and report, and a verify job's, on the app's main task queue. */
export interface JobActivities {
  importPage(input: PageInput): Promise<PageResult>;
  /** Accounts first: checks and creates the accounts a page's lines name (activities/accounts/). */
  prepareAccounts(input: PrepareAccountsInput): Promise<PrepareAccountsResult>;
  finalizeReport(input: ImportReportFiles): Promise<FinalReport>;
  verifyPage(input: VerifyPageInput): Promise<VerifyPageResult>;
  prepareVerify(input: {
    importReportDir: string;
    reportDir: string;
  }): Promise<{ expectedAbsentFile: string; permanent: number }>;
  finalizeVerify(input: ReportFiles & { repairJsonl: string }): Promise<VerifyTotals>;
  planSync(input: Omit<PlanPartInput, 'parts'> & { parts?: number }): Promise<PlanPartAnswer>;
}

/** One part of a sync's plan, as the plan activity answers it. */
export interface PlanPartAnswer {
  /** How many parts the plan has (the first part decides it from the snapshots' size). */
  parts: number;
  counts: SyncPairCounts;
  segments: PlanSegment[];
  /** friend_get calls made (the service form). */
  calls: number;
}
