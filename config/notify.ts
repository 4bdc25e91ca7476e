/**
 * The job-end notifications' secret (docs/configuration.md, "Job-end notifications"): the worker
 * signs every delivery with it. It is read here, at the worker's edge, and handed to the notify
 * activity only: it never enters a job's input, its history, a log line or an error.
 */
import { z } from 'zod';
import { parseEnv, type Env } from './env.js';

/** Shorter keys are guessable offline from one signed delivery. */
export const MIN_NOTIFY_SECRET_LENGTH = 16;

const NotifyEnvSchema = z.object({
  /** HMAC-SHA256 key of the X-Friend-Import-Signature header; unset: deliveries go unsigned. */
  FRIEND_IMPORT_NOTIFY_SECRET: z
    .string()
    .min(
      MIN_NOTIFY_SECRET_LENGTH,
      `FRIEND_IMPORT_NOTIFY_SECRET must be at least ${MIN_NOTIFY_SECRET_LENGTH} characters`,
    )
    .optional(),
});

export interface NotifySettings {
  /** Absent: the worker sends notifications without a signature. */
  secret?: string;
}

/** The worker's notify settings; a SettingsError (naming the variable, never its value) when bad. */
export function loadNotifySettings(env: Env): NotifySettings {
  const secret = parseEnv(NotifyEnvSchema, env).FRIEND_IMPORT_NOTIFY_SECRET;
  return secret === undefined ? {} : { secret };
}

/** For logs: whether deliveries are signed, never the secret. */
export function describeNotifySettings(s: NotifySettings): { signed: boolean } {
  return { signed: s.secret !== undefined };
}
