/**
 * One JSON POST over Node's own `http`/`https` with keep-alive agents shared by every client in the
 * process. Not `fetch`: its WHATWG streams and Request/Response objects cost about twice the CPU
 * per 1,000-item call (docs/architecture.md, "CPU per call"), and a bulk job's worker is CPU-bound.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * Idle connections close after this long (or 1 s before the server's announced keep-alive
 * timeout, whichever is sooner), so a call rarely picks a socket the server is closing.
 */
const IDLE_SOCKET_MS = 4_000;

// LIFO: the most recently used socket goes out first, so idle ones age out instead of all staying warm.
const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' } as const;
const agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };

/**
 * The most of a 200 answer read: far above any answer of the calls we make (a 1,000-item
 * friend_import answer is about 100 KB), so only a broken or hostile server reaches it.
 */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** Of any other answer (an error page) only this much is read: its message needs the start. */
const MAX_ERROR_PAGE_BYTES = 64 * 1024;

/** A 200 answer longer than MAX_ANSWER_BYTES: the connection was closed without reading the rest. */
export class AnswerTooLargeError extends Error {
  constructor() {
    super(`the answer is longer than ${MAX_ANSWER_BYTES} bytes`);
    this.name = 'AnswerTooLargeError';
  }
}

export interface PostAnswer {
  status: number;
  text: string;
  /** The answer's Retry-After header, as sent. */
  retryAfter?: string;
}

/**
 * POSTs `body` as JSON to `url` and reads the whole answer as UTF-8 text, whatever its status.
 * Rejects with the transport's error (refused, reset, TLS) or, once `signal` aborts, an AbortError.
 */
export async function postJson(url: URL, body: string, signal: AbortSignal): Promise<PostAnswer> {
  const https = url.protocol === 'https:';
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      agent: https ? agents.https : agents.http,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
      signal,
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end(body);
  });
  const status = res.statusCode ?? 0;
  const limit = status === 200 ? MAX_ANSWER_BYTES : MAX_ERROR_PAGE_BYTES;
  const chunks: Buffer[] = [];
  let bytes = 0;
  // Iterating the response rejects when the connection drops or `signal` aborts mid-answer.
  for await (const chunk of res) {
    bytes += (chunk as Buffer).length;
    if (bytes > limit) {
      res.destroy();
      if (status === 200) throw new AnswerTooLargeError();
      break;
    }
    chunks.push(chunk as Buffer);
  }
  // Decoded once at the end: a character split across chunks stays whole.
  const retryAfter = res.headers['retry-after'];
  return {
    status,
    text: Buffer.concat(chunks).toString('utf8'),
    ...(retryAfter !== undefined && { retryAfter }),
  };
}
