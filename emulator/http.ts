/** Small HTTP helpers: bounded body reading and JSON answers. */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

type Body = { ok: true; data: Buffer } | { ok: false; size: number; truncated: boolean };

/**
 * Reads the request body, keeping at most `maxBytes`. A larger body is still drained (so the
 * connection stays usable and the client gets an answer) up to `hardCapBytes`, beyond which
 * reading stops and the connection will be closed after the answer.
 */
export function readBody(req: IncomingMessage, maxBytes: number, hardCapBytes: number): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else if (chunks.length > 0) chunks.length = 0;
      if (size > hardCapBytes && !settled) {
        settled = true;
        req.pause();
        resolve({ ok: false, size, truncated: true });
      }
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      if (size > maxBytes) resolve({ ok: false, size, truncated: false });
      else
        resolve({
          ok: true,
          data: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size),
        });
    });
    req.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
  });
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/** Sends `body` (an object, or JSON text already serialised) with HTTP `status`. */
export function sendJson(res: ServerResponse, body: unknown, status = 200, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...JSON_HEADERS,
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

/** What a gateway in front of the service sends for a 5xx (not JSON, as in real life). */
export function sendGatewayError(res: ServerResponse, status: number, retryAfter?: number): void {
  if (res.headersSent || res.destroyed) return;
  const text = `<html><body><h1>${status} ${STATUS_CODES[status] ?? 'Error'}</h1></body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html',
    'content-length': Buffer.byteLength(text),
    ...(retryAfter !== undefined && { 'retry-after': String(retryAfter) }),
  });
  res.end(text);
}
