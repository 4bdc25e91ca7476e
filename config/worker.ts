/**
 * The worker process's own settings (docs/configuration.md): concurrency, endpoints, memory and
 * role. Read once at start-up like every other variable (config/env.ts).
 */
import { delimiter, isAbsolute } from 'node:path';
import { z } from 'zod';
import { parseEnv, port, wholeNumber, type Env } from './env.js';

/** Why `root` is not an `s3://bucket[/prefix]` (the object location rules, core/objectLocation.ts). */
function objectRootProblem(root: string): string | undefined {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/.*)?$/.exec(root);
  if (!m) return 'not an s3:// location';
  const key = (m[2] ?? '').replace(/^\/|\/$/g, '');
  return key !== '' && key.split('/').some((s) => s === '' || s === '.' || s === '..')
    ? 'bad key'
    : undefined;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const logLevel = z.enum(LOG_LEVELS, { error: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` });
type LogLevelName = z.infer<typeof logLevel>;

const WorkerEnvSchema = z.object({
  /** How much the worker logs (JSON on stderr). */
  LOG_LEVEL: logLevel.default('info'),
  /** Service-path friendImport calls one worker runs at once. */
  WORKER_MAX_CONCURRENT_CALLS: wholeNumber('WORKER_MAX_CONCURRENT_CALLS', 1, 1000).optional(),
  /** Prometheus endpoint (`/metrics`): Temporal's runtime metrics and ours. */
  WORKER_METRICS_PORT: port('WORKER_METRICS_PORT').optional(),
  /** `/healthz` and `/readyz`. */
  WORKER_HEALTH_PORT: port('WORKER_HEALTH_PORT').optional(),
  /** Where the two endpoints listen (0.0.0.0 in a container). */
  WORKER_BIND_HOST: z.string().min(1).default('127.0.0.1'),
  /** Bulk pages one worker process runs at once. */
  WORKER_MAX_CONCURRENT_PAGES: wholeNumber('WORKER_MAX_CONCURRENT_PAGES', 1, 200).optional(),
  /** The JavaScript heap the process aims to stay under (MiB; 0 leaves it to V8). */
  WORKER_HEAP_BUDGET_MB: wholeNumber('WORKER_HEAP_BUDGET_MB', 0, 1_000_000).optional(),
  /** Workflows kept in memory between tasks (memory vs. replays). */
  WORKER_MAX_CACHED_WORKFLOWS: wholeNumber('WORKER_MAX_CACHED_WORKFLOWS', 2, 100_000).optional(),
  /**
   * The folders this worker may read sources from and write reports to, absolute, separated by
   * `:` (`;` on Windows), like PATH; default: the folder the worker runs in.
   */
  WORKER_FILE_ROOTS: z
    .string()
    .transform((v) => v.split(delimiter).filter((r) => r.trim() !== ''))
    .refine((roots) => roots.length > 0 && roots.every((r) => isAbsolute(r)), {
      error: `WORKER_FILE_ROOTS must list absolute folders separated by "${delimiter}"`,
    })
    .optional(),
  /**
   * The `s3://bucket[/prefix]` locations this worker may read sources from and write reports to,
   * separated by commas; default none (a worker refuses object storage until it is set).
   */
  WORKER_OBJECT_ROOTS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((r) => r.trim())
        .filter((r) => r !== ''),
    )
    .refine((roots) => roots.length > 0 && roots.every((r) => objectRootProblem(r) === undefined), {
      error: 'WORKER_OBJECT_ROOTS must list s3://bucket or s3://bucket/prefix locations separated by commas',
    })
    .optional(),
  /** `calls`: only the user imports' calls queue; `main`: only workflows and bulk pages. */
  WORKER_ROLE: z
    .enum(['all', 'calls', 'main'], { error: 'WORKER_ROLE must be all, calls or main' })
    .default('all'),
});

type WorkerSettings = z.infer<typeof WorkerEnvSchema>;

export function loadWorkerSettings(env: Env): WorkerSettings {
  return parseEnv(WorkerEnvSchema, env);
}

/**
 * The log level alone, for commands that log but run no worker of their own settings (`demo`,
 * `dev` before its worker starts): `fallback` when LOG_LEVEL is unset.
 */
export function loadLogLevel(env: Env, fallback: LogLevelName): LogLevelName {
  return parseEnv(z.object({ LOG_LEVEL: logLevel.default(fallback) }), env).LOG_LEVEL;
}
