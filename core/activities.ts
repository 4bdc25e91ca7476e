/**
 * The activities the workflows call, as contracts: their names, inputs and outputs. Workflows
 * type their activity proxies with these; activities/ implements them (and the compiler checks it).
 * Keeping them here lets workflow code depend on data shapes only, never on activity code.
 */
import type { PageInput, PageResult } from './jobTypes.js';
import type { FriendImportAnswer } from './userImportTypes.js';
import type { VerifyPageInput, VerifyPageResult, VerifyTotals } from './verifyTypes.js';
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

/** A bulk job's pages and report, and a verify job's, on the app's main task queue. */
export interface JobActivities {
  importPage(input: PageInput): Promise<PageResult>;
  finalizeReport(input: ReportFiles): Promise<{ rows: number }>;
  verifyPage(input: VerifyPageInput): Promise<VerifyPageResult>;
  prepareVerify(input: {
    importReportDir: string;
    reportDir: string;
  }): Promise<{ expectedAbsentFile: string; permanent: number }>;
  finalizeVerify(input: ReportFiles & { repairJsonl: string }): Promise<VerifyTotals>;
}
