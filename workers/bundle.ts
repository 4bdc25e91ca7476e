/**
 * The workflow bundle: built once per process (webpack takes a second or two) and shared by every
 * Worker, including replay workers.
 */
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/** `workflows/index.ts` from the sources, or `workflows/index.js` from the build. */
function workflowsPath(): string {
  for (const name of ['index.ts', 'index.js']) {
    const path = resolve(import.meta.dirname, '..', 'workflows', name);
    if (existsSync(path)) return path;
  }
  throw new Error(`no workflows/index.ts or workflows/index.js next to ${import.meta.dirname}`);
}

let cached: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * Bundles the workflows in this process (once): what tests and the sources use. Our workflow
 * modules are preloaded: evaluated once per worker thread and shared by every run instead of once
 * per run (a user import is a short run; evaluating its modules again was a measurable part of
 * its CPU). They hold no state of their own at module level, which is what makes that safe: all a
 * run's state lives in its workflow function's closure.
 */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  const path = workflowsPath();
  cached ??= bundleWorkflowCode({ workflowsPath: path, preloadModules: [path], logger: quietBundlerLogger });
  return cached;
}

/**
 * The bundle a worker should load: WORKER_WORKFLOW_BUNDLE if set, else the one `npm run build`
 * wrote beside the compiled code (dist/workflow-bundle.js, built from the same sources), else a
 * bundle made now (running from the sources).
 */
export async function workerWorkflowBundle(
  env: Record<string, string | undefined> = process.env,
): Promise<WorkflowBundleWithSourceMap | { codePath: string }> {
  const prebuilt = env.WORKER_WORKFLOW_BUNDLE ?? resolve(import.meta.dirname, '..', 'workflow-bundle.js');
  if (
    existsSync(prebuilt) &&
    (env.WORKER_WORKFLOW_BUNDLE !== undefined || basename(dirname(import.meta.dirname)) === 'dist')
  )
    return { codePath: prebuilt };
  return workflowBundle();
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
