/**
 * The app coordinator's rules (coordination/rules/leases.ts) applied in this process, for tests of one activity
 * outside a workflow: the same state machine AppCoordinatorWorkflow runs, without Temporal.
 */
import { applyLeaseRequest } from '../../coordination/rules/leases.js';
import { newCoordinatorState } from '../../coordination/rules/state.js';
import type { LeaseSender } from '../../coordination/holder/transport.js';
import { ServiceHolder } from '../../coordination/holder/serviceHolder.js';

export function localCoordinator(): { send: LeaseSender; requests: () => number } {
  const state = newCoordinatorState();
  let n = 0;
  return {
    send: (request) => {
      n++;
      return Promise.resolve(applyLeaseRequest(state, request, Date.now()));
    },
    requests: () => n,
  };
}

/** A service holder on a coordinator of its own, at `rate` calls per second. */
export function localServiceHolder(rate = 200): ServiceHolder {
  return new ServiceHolder({
    send: localCoordinator().send,
    capacity: { friend_import: rate, friend_check: rate, friend_get: rate },
    identity: 'test',
    callBudgetMs: 12_000,
    idleMs: 100,
  });
}
