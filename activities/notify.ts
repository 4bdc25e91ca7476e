/**
 * `notifyJobEnd`: POSTs a job's end to the URL the job was started with (docs/cli.md,
 * "Notifications"). One attempt is one POST; a 2xx answer is a delivery, anything else (another
 * status, a refused connection, a timeout) fails the attempt and the workflow's retry policy
 * (workflows/notifyEnd.ts) tries again later with the same body and delivery ID. Node's own
 * http/https, as the IM client posts (im/node/post.ts).
 *
 * The signing secret is the worker's (FRIEND_IMPORT_NOTIFY_SECRET): it signs the exact body bytes
 * here and never enters the job's input, its history or an error.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  NOTIFY_HEADERS,
  type NotifyActivities,
  type NotifyDelivered,
  type NotifyJobEndInput,
} from '../core/notify.js';

export interface NotifyDeps {
  /** HMAC key for the signature header; absent: deliveries go unsigned. */
  secret?: string;
  /** One attempt gives up after this long (default 10 s). */
  timeoutMs?: number;
  /** Unix seconds for the signature (tests). */
  now?: () => number;
}

/** The failure type of an attempt the receiver did not take (retried by the workflow's policy). */
export const NOTIFY_FAILURE_TYPE = 'NotifyNotDelivered';

/** Of an answer only this much is read: a receiver's error message needs the start. */
const MAX_ANSWER_BYTES = 4_096;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, the signature header's value. */
export function signatureHeader(secret: string, t: number, body: string): string {
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

function hmacHex(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
}

/**
 * What a receiver does with a delivery (docs/cli.md shows it): whether `header` signs `body` (the
 * raw bytes as received, before any JSON parsing) with `secret`, made within `toleranceSec` of
 * `now` (unix seconds) so an old delivery cannot be played again.
 */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string,
  { now = Math.floor(Date.now() / 1000), toleranceSec = 300 }: { now?: number; toleranceSec?: number } = {},
): boolean {
  if (!header) return false;
  const parts = new Map(
    header.split(',').map((p) => {
      const i = p.indexOf('=');
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
    }),
  );
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || Math.abs(now - t) > toleranceSec || !/^[0-9a-f]{64}$/.test(v1)) return false;
  return timingSafeEqual(Buffer.from(v1, 'hex'), Buffer.from(hmacHex(secret, t, body), 'hex'));
}

/** The request headers of one attempt: the same body and delivery ID every time, a fresh timestamp. */
export function deliveryHeaders(
  input: Pick<NotifyJobEndInput, 'deliveryId' | 'event'>,
  body: string,
  secret: string | undefined,
  t: number,
): Record<string, string | number> {
  return {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'user-agent': 'friend-import-notify/1',
    [NOTIFY_HEADERS.event]: input.event,
    [NOTIFY_HEADERS.delivery]: input.deliveryId,
    ...(secret !== undefined && { [NOTIFY_HEADERS.signature]: signatureHeader(secret, t, body) }),
  };
}

export function createNotifyActivities(deps: NotifyDeps = {}): NotifyActivities {
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  return {
    async notifyJobEnd(input: NotifyJobEndInput): Promise<NotifyDelivered> {
      // Serialised here, once per attempt, from the same input: the same bytes on every retry.
      const body = JSON.stringify(input.body);
      const headers = deliveryHeaders(input, body, deps.secret, now());
      let answer: { status: number; text: string };
      try {
        answer = await post(new URL(input.url), body, headers, AbortSignal.timeout(timeoutMs));
      } catch (err) {
        throw ApplicationFailure.retryable(
          `the job-end notification to ${input.url} was not delivered: ${errorText(err, timeoutMs)}`,
          NOTIFY_FAILURE_TYPE,
        );
      }
      if (answer.status < 200 || answer.status > 299)
        throw ApplicationFailure.retryable(
          `the job-end notification to ${input.url} was answered ${answer.status}` +
            (answer.text.trim() ? `: ${answer.text.trim().slice(0, 200)}` : ''),
          NOTIFY_FAILURE_TYPE,
        );
      return { status: answer.status, signed: deps.secret !== undefined };
    },
  };
}

function errorText(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return `no answer within ${timeoutMs} ms`;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
}

/** One POST; the answer's status and the start of its text (the rest is drained unread). */
async function post(
  url: URL,
  body: string,
  headers: Record<string, string | number>,
  signal: AbortSignal,
): Promise<{ status: number; text: string }> {
  const https = url.protocol === 'https:';
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(url, { method: 'POST', headers, signal });
    req.once('response', resolve);
    req.once('error', reject);
    req.end(body);
  });
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of res) {
    if (bytes < MAX_ANSWER_BYTES) chunks.push(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return {
    status: res.statusCode ?? 0,
    text: Buffer.concat(chunks).toString('utf8').slice(0, MAX_ANSWER_BYTES),
  };
}
