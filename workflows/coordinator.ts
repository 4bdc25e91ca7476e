/**
 * AppCoordinatorWorkflow: one per IM app. Everything that writes to the app asks it, in one
 * Update, for the users it is about to write for and for its share of each API's rate; the
 * rules live in coordination/rules/leases.ts (docs/architecture.md explains why one writer per user and the
 * app-wide rate hold). The workflow only applies requests, continues as new before its history
 * grows large, and completes after a quiet spell with no holder (the next request starts it again).
 */
import { allHandlersFinished, condition, continueAsNew, setHandler } from '@temporalio/workflow';
import { applyLeaseRequest } from '../coordination/rules/leases.js';
import {
  newCoordinatorState,
  type CoordinatorState,
  type LeaseRequest,
} from '../coordination/rules/state.js';
import { attentionQuery, coordinatorStateQuery, leaseUpdate } from '../core/definitions.js';
import { needsAttention } from '../coordination/rules/attention.js';
import { shouldContinueAsNew } from './history.js';

/** A coordinator with no holder for this long completes. */
const IDLE_MS = 10 * 60_000;
/** Continue as new well before the server's suggestion: each request is about five events. */
const CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;

interface AppCoordinatorInput {
  sdkAppId: number;
  carried?: CoordinatorState;
}

export async function AppCoordinatorWorkflow(input: AppCoordinatorInput): Promise<void> {
  const state = input.carried ?? newCoordinatorState();
  const holders = (): number => Object.keys(state.holders).length;

  setHandler(leaseUpdate, (request) => applyLeaseRequest(state, request, Date.now()), {
    validator: (request: Partial<LeaseRequest> | null) => {
      if (typeof request?.holder !== 'string' || !Number.isInteger(request.generation))
        throw new Error('a lease request needs a holder and a generation');
    },
    description: 'Leases users and rate shares to a holder; releases what it gives back',
  });
  setHandler(coordinatorStateQuery, () => state);
  setHandler(attentionQuery, (holder) => needsAttention(state, holder, Date.now()));

  const tooLong = (): boolean => shouldContinueAsNew(CONTINUE_AS_NEW_AFTER_EVENTS);
  for (;;) {
    await condition(() => tooLong() || holders() === 0);
    if (tooLong()) break;
    // Quiet: wait for the next holder, or complete after the idle spell (by then whatever was
    // cooling is long free, so a new run may start from an empty state).
    if (!(await condition(() => holders() > 0 || tooLong(), IDLE_MS))) {
      await condition(allHandlersFinished);
      if (holders() === 0) return;
    }
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof AppCoordinatorWorkflow>({ ...input, carried: state });
}
