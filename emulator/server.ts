/**
 * The HTTP side: node:http, the vendor routes behind the common checks (path, method, query
 * string and UserSig, body size, JSON), and the /__emulator/ extras.
 *
 * The body's format is named by the query string (`contenttype=json`, checked with the UserSig),
 * not by an HTTP header: the service documents no Content-Type header and accepts JSON bodies sent
 * with none or with any other type, so the header is not read at all. docs/emulator.md lists what
 * is accepted and what is refused, and why.
 */
import { isUtf8 } from 'node:buffer';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { COMMANDS } from '../im/schemas.js';
import * as companions from './companionRoutes.js';
import { parseFaultPlan } from './faults.js';
import { FRIEND_IMPORT, type FriendImportService } from './friendImportRoute.js';
import { FRIEND_WRITE_ROUTES, type FriendWriteService } from './friendWriteRoutes.js';
import { readBody, sendJson } from './http.js';
import type { QueryAuth } from './queryAuth.js';
import type { WindowLimiter } from './rateWindow.js';
import type { StatsCollector } from './stats.js';
import { fail, type RateLimitCode } from './vendor.js';

const UNKNOWN_ROUTE = '(unknown)';
const HARD_CAP_FACTOR = 16;
const HARD_CAP_MIN = 64 * 1024 * 1024;
/** The UTF-8 byte-order mark some clients put before a UTF-8 body. */
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The route a URL path names: leading and trailing slashes dropped and runs of slashes merged
 * (`//v4//sns/friend_import/` is `v4/sns/friend_import`). Case is kept: paths are case-sensitive.
 */
export function routeOf(urlPath: string): string {
  return urlPath.replace(/\/{2,}/g, '/').replace(/^\/|\/$/g, '');
}

type Companion = (deps: companions.CompanionDeps, body: unknown) => companions.Answer;

const COMPANIONS = new Map<string, Companion>([
  [COMMANDS.accountImport.path, companions.accountImport],
  [COMMANDS.multiAccountImport.path, companions.multiAccountImport],
  [COMMANDS.accountCheck.path, companions.accountCheck],
  [COMMANDS.friendGet.path, companions.friendGet],
  [COMMANDS.friendCheck.path, companions.friendCheck],
  [COMMANDS.friendDeleteAll.path, companions.friendDeleteAll],
]);

interface ServerDeps {
  auth: QueryAuth;
  stats: StatsCollector;
  friendImport: FriendImportService;
  companions: companions.CompanionDeps;
  /** friend_update and friend_delete. */
  friendWrites: FriendWriteService;
  /** Companion route path → its own per-second limiter (account_check, multiaccount_import). */
  routeLimiters: ReadonlyMap<string, WindowLimiter>;
  rateLimitCode: RateLimitCode;
  maxBodyBytes: number;
  /** Installs a fault plan (already validated) or removes it. */
  setFaults(plan: unknown): void;
  /** The friend_import number under the current fault plan (counts every arrival). */
  nextFaultN(): number;
  health(): object;
  /** Lets callers beyond this machine use the extras (`Authorization: Bearer <token>`). */
  extrasToken?: string;
}

const warned = new Set<string>();

/** Reports an unexpected failure once per distinct message, so a repeating bug cannot flood the log. */
function warnOnce(message: string): void {
  if (warned.has(message) || warned.size > 100) return;
  warned.add(message);
  process.emitWarning(`emulator: ${message}`);
}

export function createEmulatorServer(deps: ServerDeps): Server {
  const server = createServer((req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      // A client that hung up mid-request is normal; anything else is a bug: answer like an
      // overloaded service would, say so once, keep serving.
      if (req.destroyed && res.destroyed) return;
      if (!res.headersSent && !res.destroyed) sendJson(res, fail(70500, 'internal server error', false));
      warnOnce(err instanceof Error ? err.message : String(err));
    });
  });
  server.keepAliveTimeout = 30_000;
  return server;
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const arrivedAt = performance.timeOrigin + performance.now();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = routeOf(q < 0 ? url : url.slice(0, q));
  const query = q < 0 ? '' : url.slice(q + 1);
  if (path.startsWith('__emulator/')) return extras(deps, req, res, path);

  const { stats } = deps;
  stats.requests++;
  const isImport = path === FRIEND_IMPORT;
  const companion = COMPANIONS.get(path);
  const isWrite = FRIEND_WRITE_ROUTES.has(path);
  const route = isImport || companion || isWrite ? path : UNKNOWN_ROUTE;
  // Arrival is counted before anything else: the window and the fault plan see every request.
  const seq = isImport ? stats.friendImportArrived(performance.now()) : 0;
  if (companion || isWrite) stats.routeArrived(path, performance.now());
  const faultN = isImport ? deps.nextFaultN() : 0;

  const hardCap = Math.max(HARD_CAP_MIN, deps.maxBodyBytes * HARD_CAP_FACTOR);
  const body = await readBody(req, deps.maxBodyBytes, hardCap);
  const sns = route.startsWith('v4/sns/') || route === UNKNOWN_ROUTE;
  const reject = (code: number, info: string): void => {
    stats.answered(route, code);
    if (isImport)
      stats.record({
        seq,
        fromAccount: '',
        toAccounts: [],
        arrivedAt,
        finishedAt: performance.timeOrigin + performance.now(),
        httpStatus: 200,
        errorCode: code,
        itemCodes: {},
      });
    sendJson(res, fail(code, info, sns), 200, !body.ok && body.truncated);
    if (!body.ok && body.truncated) res.once('finish', () => req.destroy());
  };

  if (route === UNKNOWN_ROUTE) return reject(60009, `requested resource does not exist: /${path}`);
  if (req.method !== 'POST') return reject(60002, `HTTP method must be POST, got ${req.method}`);
  const auth = deps.auth.check(query);
  if (!auth.ok) return reject(auth.code, auth.info);
  // No Content-Type check: `contenttype=json` in the query string (checked above) names the format.
  if (!body.ok) return reject(60002, `request body is larger than ${deps.maxBodyBytes} bytes`);
  const data = body.data.subarray(0, UTF8_BOM.length).equals(UTF8_BOM)
    ? body.data.subarray(UTF8_BOM.length)
    : body.data;
  if (data.length === 0) return reject(60003, 'request body is empty; send {} when an API needs no fields');
  if (!isUtf8(data)) return reject(60003, 'request body is not valid UTF-8');
  const text = data.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return reject(60003, 'request body is not valid JSON');
  }

  if (isImport) return deps.friendImport.handle({ res, text, json, seq, faultN, arrivedAt });
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return reject(sns ? 30001 : 70402, 'request body must be a JSON object');
  if (isWrite) return deps.friendWrites.handle(path, res, json);
  const limiter = deps.routeLimiters.get(path);
  if (limiter && !limiter.tryAcquire(performance.now()))
    return reject(
      deps.rateLimitCode,
      `REST API call frequency over the limit: at most ${limiter.limit} ${path.slice(path.lastIndexOf('/') + 1)} calls per second`,
    );
  const answer = (companion as Companion)(deps.companions, json);
  stats.answered(route, answer.code);
  sendJson(res, answer.body);
}

/**
 * The extras token of an emulator listening on `host`: the one given (16–200 printable characters),
 * else one made up when it listens beyond loopback, else none (only its own machine uses them).
 */
export function extrasTokenFor(host: string, given: string | undefined): string | undefined {
  if (given !== undefined) {
    if (!/^[\x21-\x7e]{16,200}$/.test(given))
      throw new RangeError('extrasToken must be 16–200 printable characters without spaces');
    return given;
  }
  const loopback = /^127\./.test(host) || host === '::1' || host === 'localhost';
  return loopback ? undefined : randomBytes(24).toString('base64url');
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Who may use an extra: health anyone (a container's probe); the rest (fault plans, the call log,
 * the counters), which change or show what any client sends, a caller on this machine or one that
 * presents the emulator's extras token (`authorization`: the request's header).
 */
export function extrasAllowed(
  op: string,
  remoteAddress: string | undefined,
  authorization?: string,
  token?: string,
): boolean {
  if (op === 'GET health') return true;
  const address = remoteAddress?.replace(/^::ffff:/, '') ?? '';
  if (address === '::1' || /^127\./.test(address)) return true;
  const presented = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  // Digests compare in constant time whatever the lengths.
  return token !== undefined && presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

async function extras(
  deps: ServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const op = `${req.method ?? ''} ${path.slice('__emulator/'.length)}`;
  if (!extrasAllowed(op, req.socket.remoteAddress, req.headers.authorization, deps.extrasToken))
    return sendJson(
      res,
      {
        ok: false,
        error:
          'the emulator extras answer callers on its machine, or with its extras token (Authorization: Bearer <token>, printed when it starts)',
      },
      403,
    );
  if (op === 'GET health') return sendJson(res, deps.health());
  if (op === 'GET stats') return sendJson(res, deps.stats.snapshot());
  if (op === 'POST stats/reset') {
    deps.stats.reset();
    return sendJson(res, { ok: true });
  }
  if (op === 'GET calls') return sendJson(res, deps.stats.calls());
  if (op === 'PUT faults') {
    const body = await readBody(req, deps.maxBodyBytes, HARD_CAP_MIN);
    try {
      if (!body.ok) throw new RangeError('fault plan too large');
      const raw: unknown = JSON.parse(body.data.toString('utf8') || 'null');
      if (raw !== null) parseFaultPlan(raw);
      deps.setFaults(raw ?? undefined);
      return sendJson(res, { ok: true });
    } catch (err) {
      return sendJson(res, { ok: false, error: err instanceof Error ? err.message : String(err) }, 400);
    }
  }
  const known = ['health', 'stats', 'stats/reset', 'calls', 'faults'].includes(
    path.slice('__emulator/'.length),
  );
  return sendJson(res, { ok: false, error: known ? 'method not allowed' : 'not found' }, known ? 405 : 404);
}
