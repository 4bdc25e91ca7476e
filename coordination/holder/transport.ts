/**
 * Sends lease requests to the app's AppCoordinatorWorkflow: an Update on its fixed workflow ID,
 * starting it first when it is not running (Update-with-Start). A request that meets a run that is
 * continuing as new or completing is sent again; the coordinator answers a repeated request with
 * its recorded answer, so a retry never leases twice.
 */
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { LeaseRequest, LeaseResponse } from '../rules/state.js';
import {
  attentionQuery,
  coordinatorTaskQueue,
  coordinatorWorkflowId,
  leaseUpdate,
} from '../../core/definitions.js';

interface CoordinatorTarget {
  client: Client;
  /** The task queue the app's workflows run on (the coordinator runs on its own beside it). */
  taskQueue: string;
  sdkAppId: number;
}

/**
 * Sends one request; `signal` abandons it (its gRPC call included). `peek` asks, by a query
 * (no history), whether the holder should send one now (coordination/rules/attention.ts).
 */
export type LeaseSender = ((request: LeaseRequest, signal?: AbortSignal) => Promise<LeaseResponse>) & {
  peek?: (holder: string, signal?: AbortSignal) => Promise<boolean>;
};

export function coordinatorSender(target: CoordinatorTarget): LeaseSender {
  const workflowId = coordinatorWorkflowId(target.sdkAppId);
  const withStart = async (request: LeaseRequest): Promise<LeaseResponse> => {
    const start = new WithStartWorkflowOperation('AppCoordinatorWorkflow', {
      workflowId,
      taskQueue: coordinatorTaskQueue(target.taskQueue),
      args: [{ sdkAppId: target.sdkAppId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Friend-import coordinator for IM app ${target.sdkAppId}`,
      staticDetails:
        'Leases users and shares of the app’s API rates to bulk-job pages and service-path workers, so that one writer per user and the app-wide rate hold on any number of workers.',
    });
    return target.client.workflow.executeUpdateWithStart(leaseUpdate, {
      args: [request],
      startWorkflowOperation: start,
    });
  };
  let running = false;
  const send = async (request: LeaseRequest): Promise<LeaseResponse> => {
    // A plain Update when the coordinator runs (no start to de-duplicate); a start only when needed.
    if (running) {
      try {
        return await target.client.workflow
          .getHandle(workflowId)
          .executeUpdate(leaseUpdate, { args: [request] });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError) && !isClosedRun(err)) throw err;
        running = false;
      }
    }
    const response = await withStart(request);
    running = true;
    return response;
  };
  const sender: LeaseSender = (request, signal) =>
    signal ? target.client.withAbortSignal(signal, () => send(request)) : send(request);
  // No answer (the coordinator is not running, or changing runs): a request will tell.
  // No answer (no coordinator running, or a worker of an earlier build that lacks the query):
  // nothing is due by the peek; the holder's own polls renew its lease and start the coordinator.
  sender.peek = (holder, signal) => {
    const ask = () => target.client.workflow.getHandle(workflowId).query(attentionQuery, holder);
    return (signal ? target.client.withAbortSignal(signal, ask) : ask()).catch(() => false);
  };
  return sender;
}

/** The run completed or continued as new while the update was on its way. */
function isClosedRun(err: unknown): boolean {
  const cause = (err as { cause?: Error } | null)?.cause;
  const text = `${(err as Error | null)?.message ?? ''} ${cause?.message ?? ''}`;
  return /already completed|workflow execution (is )?already (completed|closed)|continued as new|not found/i.test(
    text,
  );
}
