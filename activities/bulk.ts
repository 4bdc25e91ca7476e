/**
 * The bulk job's activities: read a page of the source and hand each user's items to that user's
 * ImportFriendsWorkflow (so G1 holds against service imports too), control the users in flight,
 * and write the failure report. Each is idempotent: a retry re-reads the same page (the cursor is
 * a byte offset) and re-sends the same submission IDs, which the users' workflows accept once.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { stat } from 'node:fs/promises';
import { deliver, type ImportTarget } from '../client/importFriends.js';
import type { JobControl, ReportRow, SourceCursor, SourceFormat } from '../workflows/bulkTypes.js';
import type { PageOutcome } from '../workflows/bulkLedger.js';
import { importFriendsWorkflowId, jobControlSignal } from '../workflows/definitions.js';
import { finalizeReport, writePart } from './report.js';
import { readPage, SourceError, type PageLimits } from './source/page.js';

export interface ReadAndDeliverInput {
  jobId: string;
  jobWorkflowId: string;
  source: { path: string; format: SourceFormat };
  cursor: SourceCursor;
  limits: PageLimits;
  reportDir: string;
}

export interface BulkActivityDeps {
  client: Client;
  target: ImportTarget;
  /** Users delivered at once within one page (each delivery is one Update-with-Start round trip). */
  deliveryConcurrency?: number;
}

async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(lanes);
}

export function createBulkActivities(deps: BulkActivityDeps) {
  return {
    async describeSource(input: { path: string }): Promise<{ bytes: number }> {
      try {
        return { bytes: (await stat(input.path)).size };
      } catch (err) {
        throw ApplicationFailure.nonRetryable(
          `cannot read ${input.path}: ${(err as Error).message}`,
          'SourceUnreadable',
        );
      }
    },

    async readAndDeliver(input: ReadAndDeliverInput): Promise<PageOutcome> {
      const ctx = Context.current();
      let page;
      try {
        page = await readPage(input.source.path, input.source.format, input.cursor, input.limits);
      } catch (err) {
        if (err instanceof SourceError)
          throw ApplicationFailure.nonRetryable(err.message, 'SourceUnreadable');
        throw err;
      }
      await writePart(
        input.reportDir,
        `read-${String(page.startLine).padStart(12, '0')}.jsonl`,
        page.rejections,
      );
      const submissions: PageOutcome['submissions'] = [];
      let delivered = 0;
      await eachLimited(page.users, deps.deliveryConcurrency ?? 16, async (user) => {
        const sent = await deliver(deps.target, user.fromAccount, user.items, {
          submissionId: `${input.jobId}:${page.startLine}:${user.fromAccount}`,
          notify: { workflowId: input.jobWorkflowId },
        });
        for (const s of sent) submissions.push({ id: s.id, fromAccount: user.fromAccount, items: s.items });
        ctx.heartbeat({ delivered: ++delivered });
      });
      return {
        startLine: page.startLine,
        next: page.next,
        eof: page.eof,
        lines: page.lines,
        itemCount: page.itemCount,
        users: page.users.length,
        rejected: page.rejections.length,
        submissions,
      };
    },

    async controlUsers(input: { fromAccounts: string[]; control: JobControl }): Promise<void> {
      await eachLimited(input.fromAccounts, 32, async (from) => {
        const handle = deps.client.workflow.getHandle(importFriendsWorkflowId(deps.target.sdkAppId, from));
        // A user whose run has just completed has nothing left to control.
        await handle.signal(jobControlSignal, input.control).catch(() => undefined);
      });
    },

    async writeReportPart(input: { reportDir: string; name: string; rows: ReportRow[] }): Promise<void> {
      await writePart(input.reportDir, input.name, input.rows);
    },

    async finalizeReport(input: {
      reportDir: string;
      reportJsonl: string;
      reportCsv: string;
    }): Promise<{ rows: number }> {
      return finalizeReport(input.reportDir, input.reportJsonl, input.reportCsv);
    },
  };
}

export type BulkActivities = ReturnType<typeof createBulkActivities>;
