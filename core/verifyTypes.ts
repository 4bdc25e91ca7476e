/**
 * What goes in and out of VerifyJobWorkflow and its page activity (docs/verify.md): plain data,
 * bounded by a page and never by the whole file, like the bulk import's (core/jobTypes.ts).
 *
 * A verify job reads the same source as an import, works out what the service must hold for each
 * From_Account → To_Account pair, and asks the service with friend_check (existence) or friend_get
 * (existence and fields). It never writes.
 */
import type { AddFriendItem } from '../im/schemas.js';
import type { JobPageInput, JobProgress, PageCheckpoint, PageEnd, SourceFormat } from './jobTypes.js';
import type { NotifyTarget } from './notify.js';

/** The read API a verify job uses: friend_check for existence, friend_get for fields too. */
export type VerifyApi = 'friend_check' | 'friend_get';

/** The standard fields `--fields` compares; custom tags are compared by their own names. */
export const COMPARED_FIELDS = ['Remark', 'GroupName', 'AddSource', 'AddWording'] as const;

/** A friend's compared fields by name (`Remark`, `GroupName`, …, `Tag_SNS_Custom_*`). */
export type FieldValues = Record<string, string | number | string[]>;

/** What the source says the service must hold for a pair. */
type Expectation = 'present' | 'absent';

/** What a page needs to know about one pair to check it. */
export interface PairExpectation {
  toAccount: string;
  /** The line that decides the expectation: the last row that was sent, else the last row. */
  line: number;
  expect: Expectation;
  /** The item the service must hold (expect `present`). */
  item?: AddFriendItem;
  /** Why the pair is expected absent (a rejected row, a permanent failure in the import job). */
  why?: string;
  /** Both accounts are valid UserIDs: the service can be asked (an invalid one cannot exist). */
  checkable: boolean;
}

/** One pair that is not as the source says. */
export interface PairDiff {
  toAccount: string;
  expect: Expectation;
  /** `missing`, `unexpected` (present although expected absent), `unchecked`, or the field names that differ. */
  differs: string[];
  /** The source's values (null: expected absent). Only the differing fields for a field difference. */
  expected: FieldValues | null;
  /** The service's values (null: absent; `{}`: present, fields not read). */
  found: FieldValues | null;
  note?: string;
  /** The source's item, for the repair file (missing and different pairs). */
  item?: AddFriendItem;
}

/**
 * What a verify page recorded for one input line (a line of its outcome file): the pairs this line
 * decides, found as expected or not. Lines whose pairs were decided by a later line list nothing.
 */
export interface VerifyLineOutcome {
  line: number;
  fromAccount: string;
  /** The first line of the run of this user's rows checked together (a user in two runs is merged at the end). */
  run: number;
  /** Expected present and found as expected. */
  present: string[];
  /** Expected absent and found absent. */
  absent: string[];
  diffs: PairDiff[];
}

/** One row of the diff report. */
export interface VerifyReportRow {
  line: number;
  fromAccount: string;
  toAccount: string;
  differs: string[];
  expected: FieldValues | null;
  found: FieldValues | null;
  note?: string;
}

export interface VerifyCounters {
  /** Input lines consumed. */
  lines: number;
  /** Distinct From_Accounts with at least one pair (per page while running; exact at the end). */
  users: number;
  /** Items read (valid or not), plus one per unusable line. */
  items: number;
  /** Pairs checked: present + different + missing + absent + unexpected + unchecked. */
  pairs: number;
  /** Expected present, found present (with the same fields under `--fields`). */
  present: number;
  /** Expected present, found with other field values. */
  different: number;
  /** Expected present, not found. */
  missing: number;
  /** Expected absent (rejected rows, permanent failures of the import job), found absent. */
  absent: number;
  /** Expected absent, found present. */
  unexpected: number;
  /** The service could not be read for them (retries spent). */
  unchecked: number;
  /** Field name → different pairs where it differs. */
  byField: Record<string, number>;
  /** friend_check / friend_get calls made (retries included). */
  calls: number;
}

export function emptyVerifyCounters(): VerifyCounters {
  return {
    lines: 0,
    users: 0,
    items: 0,
    pairs: 0,
    present: 0,
    different: 0,
    missing: 0,
    absent: 0,
    unexpected: 0,
    unchecked: 0,
    byField: {},
    calls: 0,
  };
}

export function addVerifyCounters(a: VerifyCounters, b: VerifyCounters): void {
  for (const k of [
    'lines',
    'users',
    'items',
    'pairs',
    'present',
    'different',
    'missing',
    'absent',
    'unexpected',
    'unchecked',
    'calls',
  ] as const)
    a[k] += b[k];
  for (const [f, n] of Object.entries(b.byField)) a.byField[f] = (a.byField[f] ?? 0) + n;
}

/** Pairs not as the source says. */
export const differences = (c: VerifyCounters): number =>
  c.missing + c.different + c.unexpected + c.unchecked;

/**
 * Someone who could write to the app held users of this verify while it read them: a bulk import
 * job's page, or a worker's service-path imports (as the app coordinator saw them).
 */
export interface WriterSeen {
  /** The coordinator's holder name: `job:<jobId>` or `svc:<worker identity>:…`. */
  holder: string;
  kind: 'job' | 'service' | 'other';
  jobId?: string;
  /** It held the blanket: every user no other holder named, so every user read then. */
  blanket: boolean;
  /** Users of this verify it held (counted once per page). */
  users: number;
  /** A few of them. */
  sample: string[];
}

export interface VerifyJobInput {
  jobId: string;
  /** The IM app the job reads (see BulkJobInput); its repair import goes to the same app. */
  sdkAppId?: number;
  source: { path: string; format: SourceFormat };
  fields: boolean;
  reportDir: string;
  reportJsonl: string;
  reportCsv: string;
  /** Where the missing and different pairs go as friend_import bodies. */
  repairJsonl: string;
  /** The import job whose permanent failures are expected absent, and its outcome folder. */
  importJob?: { jobId: string; reportDir: string };
  /** Start an import of the repair file at the end (a job of this ID and report). */
  repair?: {
    jobId: string;
    reportDir: string;
    reportJsonl: string;
    reportCsv: string;
    concurrency: number;
    pageLines: number;
  };
  /** Users checked at once (adjustable while running). */
  concurrency: number;
  pageLines: number;
  pageItems?: number;
  continueAsNewAfterEvents?: number;
  /** POST the job's end here (docs/cli.md, "Notifications"); the repair import does not notify. */
  notify?: NotifyTarget;
}

export interface VerifyPageInput extends JobPageInput {
  fields: boolean;
  /** The import job's permanent failures (written by `prepareVerify`), when there is an import job. */
  expectedAbsentFile?: string;
  importJobId?: string;
}

export type VerifyPageProgress = PageCheckpoint<
  VerifyCounters,
  { usersRead: number; pairs: number; asExpected: number; differ: number }
> & { writers: WriterSeen[] };

export type VerifyPageResult = PageEnd<VerifyCounters> & { writers: WriterSeen[] };

/** What `finalizeVerify` counted from the outcome files (each pair once) and wrote. */
export interface VerifyTotals {
  counters: VerifyCounters;
  rows: number;
  /** Pairs in the repair file (missing and different). */
  repairItems: number;
}

/**
 * A verify job's progress. It extends an import's so the job commands (pause, resume, cancel,
 * concurrency) read it as they read an import's: `imported` counts the pairs as expected, `failed`
 * the pairs that differ (by kind in `failedByCode`).
 */
export interface VerifyProgress extends JobProgress, Omit<VerifyCounters, 'lines' | 'users' | 'items'> {
  kind: 'verify';
  fields: boolean;
  file: string;
  format: SourceFormat;
  importJobId?: string;
  /** The import job's permanent failures, expected absent. */
  expectedAbsentFromJob?: number;
  writers: WriterSeen[];
  repairJsonl: string;
  /** Set once the report is written: pairs in the repair file. */
  repairItems?: number;
  /** The repair import started at the end (`--repair`). */
  repairJobId?: string;
  /** Why the repair import did not start. */
  repairError?: string;
}

export type VerifySummary = VerifyProgress & { reportJsonl: string; reportCsv: string };
