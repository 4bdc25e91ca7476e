/**
 * When a workflow run should hand over to a new run: the server suggests it, or the history has
 * reached the run's own bound (docs/architecture.md, history hygiene). Every workflow here asks
 * this between steps, never in the middle of one.
 */
import { workflowInfo } from '@temporalio/workflow';

export function shouldContinueAsNew(afterEvents: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= afterEvents;
}
