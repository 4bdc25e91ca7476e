/**
 * Typed failures of an IM REST call that produced no business answer. Messages carry redacted
 * URLs only; the UserSig and the secret key never appear in them.
 */
import { httpStatusCode, NETWORK_ERROR_CODE, TIMEOUT_CODE } from '../errorCodes.js';
import { redactText } from './url.js';

export abstract class ImTransportError extends Error {
  /** The pseudo-code the error-code table classifies (see `codeInfo`). */
  abstract readonly code: number;
  constructor(
    message: string,
    readonly url: string,
  ) {
    super(redactText(message));
    this.name = new.target.name;
  }
}

/** The service (or a gateway in front of it) answered with a non-200 HTTP status. */
export class ImHttpError extends ImTransportError {
  readonly code: number;
  constructor(
    readonly status: number,
    url: string,
    bodySnippet: string,
    /** How long the answer's Retry-After asked to wait, when it did (a 429 or 503). */
    readonly retryAfterMs?: number,
  ) {
    const snippet = textOf(bodySnippet);
    super(`HTTP ${status} from ${url}${snippet ? `: ${snippet}` : ''}`, url);
    this.code = httpStatusCode(status);
  }
}

/** The longest Retry-After honoured: a server asking for more is waited on this long, then asked again. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** A Retry-After header (seconds, or an HTTP date) as milliseconds from `now`; undefined if unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  // Whole seconds, or a date as HTTP writes it (`Sun, 06 Dec 2026 08:00:30 GMT`): names, not just digits.
  const ms = /^\d+$/.test(value)
    ? Number(value) * 1000
    : /^[A-Za-z]{3}, /.test(value)
      ? Date.parse(value) - now
      : NaN;
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)) : undefined;
}

/**
 * What of an error page goes into a message (and from there into history and logs): its text
 * without markup, on one line, at most 120 characters, redacted by the base class.
 */
function textOf(body: string): string {
  const text = body
    .slice(0, 4_096)
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** No answer arrived within the client timeout; the write may still have happened. */
export class ImTimeoutError extends ImTransportError {
  readonly code = TIMEOUT_CODE;
  constructor(
    readonly timeoutMs: number,
    url: string,
  ) {
    super(`no answer within ${timeoutMs} ms from ${url}`, url);
  }
}

/** The connection failed (refused, reset, DNS, TLS). */
export class ImNetworkError extends ImTransportError {
  readonly code = NETWORK_ERROR_CODE;
  constructor(cause: unknown, url: string) {
    super(`network error calling ${url}: ${describeCause(cause)}`, url);
  }
}

/** HTTP 200, but the body is not the JSON the schema describes. */
export class ImProtocolError extends ImTransportError {
  readonly code = 60013;
  constructor(reason: string, url: string) {
    super(`unexpected response from ${url}: ${reason}`, url);
  }
}

/** A companion call (not friend_import) answered with a non-zero ErrorCode. */
export class ImApiError extends Error {
  constructor(
    readonly code: number,
    readonly info: string,
    readonly command: string,
  ) {
    super(`${command} failed with ${code}: ${info}`);
    this.name = 'ImApiError';
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    const code = (inner as { code?: string } | undefined)?.code ?? (cause as { code?: string }).code;
    const named = code && !cause.message.includes(code);
    return redactText(named ? `${cause.message} (${code})` : cause.message);
  }
  return redactText(String(cause));
}
