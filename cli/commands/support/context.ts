/**
 * What the job commands share: a Temporal client from the environment (TEMPORAL_*, payload keys),
 * turned into one clear sentence when the cluster cannot be reached, and job lookup by ID.
 */
import type { Client } from '@temporalio/client';
import { bulkJob, type BulkJobHandle } from '../../../client/bulkJobs.js';
import { dataConverterFromEnv } from '../../../connection/codec.js';
import { describeJob, type JobKind } from '../../../client/jobs.js';
import { connectClient, loadTemporalSettings, probeAddress } from '../../../connection/connect.js';
import type { Env } from '../../../config/im.js';
import { bulkJobWorkflowId } from '../../../core/definitions.js';
import { jobIdProblem } from '../../../core/jobTypes.js';
import { CliError, EXIT } from '../errors.js';

interface TemporalContext {
  client: Client;
  address: string;
  namespace: string;
  taskQueue: string;
  close(): Promise<void>;
}

/** How long a command waits for a TCP answer from Temporal before it says it cannot reach it. */
const PROBE_TIMEOUT_MS = 2_500;

function unreachable(address: string, why: string): CliError {
  return new CliError(
    `cannot reach Temporal at ${address} (${why}): start one with \`friend-import dev\`, or check TEMPORAL_ADDRESS`,
    EXIT.failure,
  );
}

export async function openTemporal(env: Env = process.env): Promise<TemporalContext> {
  const settings = loadTemporalSettings(env);
  const dataConverter = dataConverterFromEnv(env);
  // A closed port or an unknown host is told within seconds, not after the client's 10 s deadline.
  const why = await probeAddress(settings.address, PROBE_TIMEOUT_MS, env);
  if (why) throw unreachable(settings.address, why);
  try {
    const { client, connection } = await connectClient(settings, { dataConverter });
    return {
      client,
      address: settings.address,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      close: () => connection.close(),
    };
  } catch (err) {
    throw unreachable(settings.address, (err as Error).message);
  }
}

const JOB_PREFIX = bulkJobWorkflowId('');

/** Accepts the job ID, or the job's workflow ID as the Temporal UI shows it. */
export function jobIdOf(value: string): string {
  const id = value.startsWith(JOB_PREFIX) ? value.slice(JOB_PREFIX.length) : value;
  const problem = jobIdProblem(id);
  if (problem) throw new CliError(problem, EXIT.usage);
  return id;
}

/** Server-side status name (`RUNNING`, `COMPLETED`, …) of a job, or undefined when there is none. */
export async function jobStatus(ctx: TemporalContext, jobId: string): Promise<string | undefined> {
  return (await describeJob(ctx.client, jobId))?.status;
}

/**
 * A handle on an existing job, and its kind (an import or a verify job: both answer the job
 * updates the same way); a clear error when there is no such job.
 */
export async function requireJob(
  ctx: TemporalContext,
  value: string,
): Promise<{ handle: BulkJobHandle; status: string; kind: JobKind | 'other' }> {
  const jobId = jobIdOf(value);
  const job = await describeJob(ctx.client, jobId);
  if (!job)
    throw new CliError(
      `there is no job "${jobId}" in namespace ${ctx.namespace} at ${ctx.address}`,
      EXIT.usage,
    );
  return {
    handle: bulkJob({ client: ctx.client, taskQueue: ctx.taskQueue }, jobId),
    status: job.status,
    kind: job.kind,
  };
}
