/**
 * A sync's plan activity (docs/cli.md, `sync`): one part of the plan, from both snapshots or from
 * the new one and the service (formats/syncPlan.ts). Reading the service takes friend_get slots of
 * the app-wide rate from a holder session of its own, as a verify's reads do, and leases no user.
 */
import { Context } from '@temporalio/activity';
import { setMaxListeners } from 'node:events';
import { ApplicationFailure } from '@temporalio/common';
import type { PlanPartAnswer } from '../../core/activities.js';
import type { PlanPartInput } from '../../core/syncTypes.js';
import type { FieldValues } from '../../core/verifyTypes.js';
import { planPart, planParts } from '../../formats/syncPlan.js';
import { DEFAULT_UPDATE_ITEMS_PER_CALL } from '../../im/friendUpdateSchemas.js';
import { SourceError } from '../../formats/source/stream.js';
import type { PageDeps } from '../page/pageRun.js';
import { endSession, openPageSession } from '../page/pageSession.js';
import { ConfigStop, getFriends, type ReadDeps } from '../verify/serviceReads.js';

export function createSyncActivities(deps: PageDeps & { batchSize: number }) {
  return {
    async planSync(input: Omit<PlanPartInput, 'parts'> & { parts?: number }): Promise<PlanPartAnswer> {
      const ctx = Context.current();
      // The service form's reads in flight each listen to the activity's cancellation.
      setMaxListeners(64, ctx.cancellationSignal);
      const base = input.since.kind === 'file' ? input.since : undefined;
      await deps.roots.check({
        'new snapshot': input.source.path,
        'older snapshot': base?.path,
        'plan folder': input.planDir,
        'report folder': input.reportDir,
      });
      let calls = 0;
      const session =
        input.since.kind === 'service'
          ? openPageSession({
              deps,
              page: input.part + 1,
              attempt: ctx.info.attempt,
              windowTail: [],
              holder: `sync-plan:${input.jobId}`,
              api: 'friend_get',
              onError: (err) => {
                ctx.log.warn('lease request failed', { error: String(err) });
              },
            })
          : undefined;
      const reads: ReadDeps | undefined = session && {
        im: deps.im,
        slot: (api, signal) => session.slot(api, signal),
        onCall: () => void calls++,
        callSignal: ctx.cancellationSignal,
      };
      const readService = async (from: string): Promise<Map<string, FieldValues>> => {
        if (!reads) return new Map();
        const view = await getFriends(reads, from, undefined, ctx.cancellationSignal);
        if (view.kind === 'noUser') return new Map();
        if (view.kind === 'unreadable')
          throw new Error(`friend_get of ${from} failed: ${view.code} ${view.info}`);
        const out = new Map<string, FieldValues>();
        for (const [to, values] of view.friends) out.set(to, values ?? {});
        return out;
      };
      try {
        const parts = input.parts ?? (await planParts([input.source.path, ...(base ? [base.path] : [])]));
        const plan = await planPart({
          source: input.source,
          ...(base && { base: { path: base.path, format: base.format } }),
          readService,
          deleteRemoved: input.deleteRemoved,
          planDir: input.planDir,
          reportDir: input.reportDir,
          part: input.part,
          parts,
          updateBatch: input.updateBatch ?? DEFAULT_UPDATE_ITEMS_PER_CALL,
          importBatch: input.importBatch ?? deps.batchSize,
          onProgress: (linesRead) => {
            ctx.heartbeat({ linesRead, calls });
          },
        });
        return { parts, ...plan, calls };
      } catch (err) {
        if (err instanceof SourceError || err instanceof ConfigStop)
          throw ApplicationFailure.nonRetryable(err.message, 'SourceUnreadable');
        throw err;
      } finally {
        if (session) await endSession(session, 'holder', ctx.cancellationSignal);
      }
    },
  };
}
