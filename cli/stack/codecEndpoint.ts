/**
 * The codec server (Temporal's remote codec protocol, as its Web UI and CLI call it): lets the Temporal Web UI and CLI show encrypted
 * payloads in clear text without ever giving them the keys. The UI calls it from the browser, so
 * it answers CORS for the UI's origin. Protocol: POST …/encode or …/decode (only the last path
 * segment counts, so it can sit under any prefix) with protobuf-JSON Payloads
 * `{"payloads":[{"metadata":{"k":"<base64>"},"data":"<base64>"}]}`; the answer has the same shape.
 *
 * Anyone who can reach it can decrypt: bind it to loopback (the default) or a private network, and
 * allow only the UI's origin.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/** Headers the UI sends: JSON body, the namespace, and a bearer token when "pass access token" is on. */
const ALLOWED_HEADERS = ['content-type', 'x-namespace', 'authorization'];
/** The dev server's UI (`temporal server start-dev`), reached both ways. */
export const DEFAULT_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];
const MAX_BODY_BYTES = 16 * 1024 * 1024;

interface CodecServerOptions {
  codec: PayloadCodec;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Bind address (default 127.0.0.1); 0.0.0.0 inside a container. */
  host?: string;
  /** Browser origins allowed to call it; `*` allows any. Default: the dev server's UI. */
  origins?: readonly string[];
  maxBodyBytes?: number;
}

export interface CodecServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const base64 = z
  .string()
  .regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'not base64')
  .transform((s) => Buffer.from(s, s.includes('-') || s.includes('_') ? 'base64url' : 'base64'));

const PayloadsJson = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), base64).optional(),
      // proto3 JSON leaves out empty bytes.
      data: base64.optional(),
    }),
  ),
});

type JsonPayload = { metadata: Record<string, string>; data: string };

/** Protobuf-JSON Payloads → SDK payloads; throws a ZodError on a bad shape or bad base64. */
export function payloadsFromJson(body: unknown): Payload[] {
  return PayloadsJson.parse(body).payloads.map((p) => ({
    metadata: p.metadata ?? {},
    data: p.data ?? Buffer.alloc(0),
  }));
}

/** SDK payloads → protobuf-JSON Payloads (bytes as standard base64). */
export function payloadsToJson(payloads: readonly Payload[]): { payloads: JsonPayload[] } {
  const b64 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('base64');
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
      data: b64(p.data),
    })),
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `request body is over ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'request body is not JSON');
  }
}

/** Sets the CORS answer for an allowed origin; returns false when the origin is not allowed. */
function cors(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): boolean {
  const origin = req.headers.origin;
  res.setHeader('vary', 'Origin');
  if (origin === undefined) return true; // not a browser (the CLI, curl): CORS does not apply
  if (!origins.includes('*') && !origins.includes(origin)) return false;
  res.setHeader('access-control-allow-origin', origin);
  // The UI may send credentials (its `includeCredentials` setting); that needs an exact origin, never `*`.
  res.setHeader('access-control-allow-credentials', 'true');
  return true;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: Required<Omit<CodecServerOptions, 'port' | 'host'>>,
): Promise<void> {
  if (!cors(req, res, options.origins))
    return send(res, 403, { error: `origin ${req.headers.origin} is not allowed` });
  if (req.method === 'OPTIONS') {
    res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
    res.setHeader('access-control-allow-headers', ALLOWED_HEADERS.join(', '));
    res.setHeader('access-control-max-age', '600');
    return send(res, 204);
  }
  const path = new URL(req.url ?? '/', 'http://codec').pathname;
  const action = path.replace(/\/+$/, '').split('/').pop();
  if (action !== 'encode' && action !== 'decode')
    return send(res, 404, { error: 'POST …/encode or …/decode' });
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST, OPTIONS');
    return send(res, 405, { error: `${req.method} is not allowed; use POST` });
  }
  let payloads: Payload[];
  try {
    payloads = payloadsFromJson(await readJson(req, options.maxBodyBytes));
  } catch (err) {
    if (err instanceof HttpError) throw err;
    const issue = (err as z.ZodError).issues?.[0];
    const where = issue?.path.join('.') || 'body';
    throw new HttpError(
      400,
      `expected {"payloads":[{"metadata":{…},"data":"<base64>"}]}: ${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  let result: Payload[];
  try {
    result = await options.codec[action](payloads);
  } catch (err) {
    // Unknown key id or a tampered payload: the request is wrong for this server, not the server.
    throw new HttpError(400, (err as Error).message);
  }
  send(res, 200, payloadsToJson(result));
}

/** Starts the codec server and resolves once it listens. */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const resolved = {
    codec: options.codec,
    origins: options.origins ?? DEFAULT_ORIGINS,
    maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
  };
  const server = createServer((req, res) => {
    handle(req, res, resolved).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (res.headersSent) res.destroy();
      else {
        // The rest of an oversized body is not read; closing the connection stops the upload.
        if (status === 413) res.setHeader('connection', 'close');
        send(res, status, { error: message });
      }
    });
  });
  const host = options.host ?? '127.0.0.1';
  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
