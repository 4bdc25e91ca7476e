/**
 * The job-end notification (docs/cli.md, "Notifications"): where it goes, what it says, and the
 * headers a receiver reads. Pure: the workflows build the body and the delivery ID here, the
 * notify activity (activities/notify.ts) signs and sends them. The URL travels in the job's input;
 * the signing secret never does (the worker holds it).
 */

/** Where a job posts its end: an absolute http(s) URL. */
export interface NotifyTarget {
  url: string;
}

/** The one event a job sends. */
export const JOB_ENDED_EVENT = 'job.ended';

/** The headers a delivery carries besides Content-Type (lower case, as Node sends them). */
export const NOTIFY_HEADERS = {
  /** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, only when the worker has a secret. */
  signature: 'x-friend-import-signature',
  /** The event: `job.ended`. */
  event: 'x-friend-import-event',
  /** The same on every retry of one delivery: a receiver de-duplicates on it. */
  delivery: 'x-friend-import-delivery',
} as const;

/** The most of a URL we accept: it travels in the job's input and in every retry. */
const MAX_URL_LENGTH = 2_000;

/**
 * Why `url` cannot receive a job's end, or undefined when it can: an absolute `http://` or
 * `https://` URL with a host, no user or password in it (the URL is in the job's history for
 * anyone who can read it; a secret belongs in FRIEND_IMPORT_NOTIFY_SECRET).
 */
export function notifyUrlProblem(url: string): string | undefined {
  const shown = JSON.stringify(url.length > 80 ? `${url.slice(0, 80)}…` : url);
  if (url.length > MAX_URL_LENGTH) return `the notify URL is longer than ${MAX_URL_LENGTH} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `the notify URL ${shown} is not an absolute URL (give http://HOST/PATH or https://HOST/PATH)`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return `the notify URL ${shown} must start with http:// or https://`;
  if (parsed.hostname === '') return `the notify URL ${shown} names no host`;
  if (parsed.username !== '' || parsed.password !== '')
    return 'the notify URL must not carry a user or password: it is stored in the job; sign with FRIEND_IMPORT_NOTIFY_SECRET instead';
  return undefined;
}

/** The job kinds that notify (the lead's sync job uses its own name). */
export type NotifyJobKind = 'import' | 'verify' | (string & {});

/** The body of a delivery, as JSON (docs/cli.md, "Notifications"). */
export interface JobEndedBody<S> {
  event: typeof JOB_ENDED_EVENT;
  jobId: string;
  kind: NotifyJobKind;
  /** The job's final state: `completed`, `cancelled` or `failed`. */
  state: string;
  /** The job's final summary, as the library's `result()` returns it (without `notifyError`). */
  summary: S;
}

/** The body for a job that ended with `summary` (which names its job and its final state). */
export function jobEndedBody<S extends { jobId: string; state: string }>(
  kind: NotifyJobKind,
  summary: S,
): JobEndedBody<S> {
  return { event: JOB_ENDED_EVENT, jobId: summary.jobId, kind, state: summary.state, summary };
}

/**
 * The delivery's ID: the job's workflow ID and the ID of the run it ended in. Both are the same
 * on every replay and every retry of the delivery, and differ between two ends of one job ID (a
 * job started again under the ID after its history was deleted).
 */
export function deliveryId(workflowId: string, runId: string): string {
  return `${workflowId}/${runId}`;
}

/** What the notify activity takes: everything but the secret. */
export interface NotifyJobEndInput {
  url: string;
  deliveryId: string;
  event: typeof JOB_ENDED_EVENT;
  body: JobEndedBody<unknown>;
}

/** What a delivery that was answered 2xx says. */
export interface NotifyDelivered {
  status: number;
  signed: boolean;
}

/**
 * The activity a job calls at its end (activities/notify.ts implements it; every main worker
 * hosts it beside the job activities of core/activities.ts, whatever apps it serves).
 */
export interface NotifyActivities {
  notifyJobEnd(input: NotifyJobEndInput): Promise<NotifyDelivered>;
}
