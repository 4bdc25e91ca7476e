/**
 * The workflow bundle: built once per process (webpack takes a second or two) and shared by every
 * Worker, including replay workers.
 */
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** `workflows/index.ts` from the sources, or `workflows/index.js` from the build. */
export function workflowsPath(): string {
  for (const name of ['index.ts', 'index.js']) {
    const path = resolve(import.meta.dirname, '..', 'workflows', name);
    if (existsSync(path)) return path;
  }
  throw new Error(`no workflows/index.ts or workflows/index.js next to ${import.meta.dirname}`);
}

let cached: Promise<WorkflowBundleWithSourceMap> | undefined;

export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  cached ??= bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietBundlerLogger });
  return cached;
}

const noop = (): void => undefined;
const quietBundlerLogger = {
  log: noop,
  trace: noop,
  debug: noop,
  info: noop,
  warn: console.warn,
  error: console.error,
};
