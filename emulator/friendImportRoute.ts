/**
 * `v4/sns/friend_import`: the whole-request gates (rate limit, write conflict, injected faults,
 * structure, From_Account), then the per-item verdicts, the write, and the answer, held for the
 * configured write latency (or an injected slow delay) while the request stays in flight.
 */
import type { ServerResponse } from 'node:http';
import { checkFriendImportBody, type BodyCheck, type Violation } from '../im/limits.js';
import { AddFriendItemSchema, MAX_ITEMS_PER_CALL, type AddFriendItem } from '../im/schemas.js';
import { describeFault, type FaultInjector, type RequestFault } from './faults.js';
import { judgeItems, type ItemRules } from './friendItems.js';
import { sendGatewayError, sendJson } from './http.js';
import type { WindowLimiter } from './rateWindow.js';
import type { StatsCollector } from './stats.js';
import type { Store } from './store.js';
import type { FriendImportCall } from './types.js';
import { fail, friendImportResponseJson, type RateLimitCode } from './vendor.js';

export const FRIEND_IMPORT = 'v4/sns/friend_import';

interface FriendImportDeps {
  store: Store;
  stats: StatsCollector;
  limiter: WindowLimiter;
  rateLimitCode: RateLimitCode;
  writeLatencyMs: number;
  rules: ItemRules;
  /** The installed fault plan, if any. */
  faults(): FaultInjector | undefined;
  /** Whether another kind of write (friend_update, friend_delete) for the user is in flight. */
  otherWriteBusy?(fromAccount: string): boolean;
}

/** One friend_import request on its way through the pipeline. */
interface ImportRequest {
  res: ServerResponse;
  /** The body as received, and parsed. */
  text: string;
  json: unknown;
  /** Number since the last stats reset (the call log's `seq`). */
  seq: number;
  /** Number since the fault plan was installed. */
  faultN: number;
  arrivedAt: number;
}

interface Answer {
  status: number;
  /** JSON text, or undefined for a gateway error page. */
  body?: string;
  /** Seconds, for the gateway error page's Retry-After header. */
  retryAfter?: number;
  errorCode: number;
  itemCodes: Record<string, number>;
  fault?: string;
}

/** What a proxy or a captive portal in between may answer with status 200. */
const NOT_JSON_PAGE =
  '<html><head><title>Welcome</title></head><body>Please sign in to continue.</body></html>';

function violationsText(violations: readonly Violation[]): string {
  const shown = violations.slice(0, 3).map((v) => `${v.path} ${v.reason}`);
  return violations.length > 3 ? `${shown.join('; ')}; …` : shown.join('; ');
}

/**
 * Checks the request as a whole: a problem rejects it with 30001. The item count is checked
 * before the items, so an oversized batch costs nothing.
 */
function checkStructure(json: unknown): { problem: string } | { check: BodyCheck } {
  const items = (json as { AddFriendItem?: unknown } | null)?.AddFriendItem;
  if (Array.isArray(items) && (items.length === 0 || items.length > MAX_ITEMS_PER_CALL))
    return { problem: `AddFriendItem must hold 1–${MAX_ITEMS_PER_CALL} items, got ${items.length}` };
  const check = checkFriendImportBody(json);
  if (check.bodyViolations.length > 0) return { problem: violationsText(check.bodyViolations) };
  for (let i = 0; i < check.items.length; i++) {
    const c = check.items[i];
    // Only a structural failure (wrong type, missing or unknown field) rejects the whole request.
    if (c && !c.ok && !AddFriendItemSchema.safeParse((items as unknown[])[i]).success)
      return { problem: violationsText(c.violations) };
  }
  return { check };
}

type Decision = { answer: Answer; delayMs: number };

function wholeFail(code: number, info: string, fault?: string): Decision {
  return {
    answer: {
      status: 200,
      body: JSON.stringify(fail(code, info, true)),
      errorCode: code,
      itemCodes: {},
      fault,
    },
    delayMs: 0,
  };
}

export class FriendImportService {
  readonly #deps: FriendImportDeps;
  /** From_Account → friend_import requests in flight. */
  readonly #inFlight = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(deps: FriendImportDeps) {
    this.#deps = deps;
  }

  /** Whether a friend_import for `fromAccount` is in flight (friend_delete_all conflicts with it too). */
  busy(fromAccount: string): boolean {
    return (this.#inFlight.get(fromAccount) ?? 0) > 0;
  }

  handle(req: ImportRequest): void {
    const { stats } = this.#deps;
    const body = req.json as { From_Account?: unknown; AddFriendItem?: unknown } | null;
    const from =
      typeof body === 'object' && body !== null && typeof body.From_Account === 'string'
        ? body.From_Account
        : undefined;
    let overlapped = false;
    if (from !== undefined) {
      const others = this.#inFlight.get(from) ?? 0;
      if (others > 0 || this.#deps.otherWriteBusy?.(from) === true) {
        overlapped = true;
        stats.overlap(from);
      }
      this.#inFlight.set(from, others + 1);
      stats.inFlight++;
    }
    const call: FriendImportCall | undefined = stats.recordCalls
      ? {
          seq: req.seq,
          fromAccount: from ?? '',
          toAccounts: toAccountsOf(body),
          arrivedAt: req.arrivedAt,
          finishedAt: 0,
          httpStatus: 200,
          errorCode: 0,
          itemCodes: {},
        }
      : undefined;

    let decided: Decision;
    try {
      decided = this.#decide(req, from, overlapped);
    } catch (err) {
      this.#release(from);
      throw err;
    }
    const delay = decided.delayMs;
    if (delay <= 0) return this.#send(req, from, decided.answer, call, false);
    let sent = false;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (sent) return;
      sent = true;
      this.#send(req, from, decided.answer, call, false);
    }, delay);
    this.#timers.add(timer);
    req.res.once('close', () => {
      if (sent) return;
      // The client gave up (timeout): the write has landed, the request is no longer in flight.
      sent = true;
      clearTimeout(timer);
      this.#timers.delete(timer);
      this.#send(req, from, decided.answer, call, true);
    });
  }

  #decide(req: ImportRequest, from: string | undefined, overlapped: boolean): Decision {
    const d = this.#deps;
    if (!d.limiter.tryAcquire(performance.now())) {
      d.stats.rateLimited++;
      return wholeFail(
        d.rateLimitCode,
        `REST API call frequency over the limit: at most ${d.limiter.limit} friend_import calls per second`,
      );
    }
    if (overlapped)
      return wholeFail(
        30008,
        `write conflict: another friend_import for ${from} is in flight; send one at a time`,
      );

    const injector = d.faults();
    let fault: RequestFault | undefined;
    if (injector) {
      fault = injector.decideRequest(req.faultN, from ?? '');
      if (fault?.kind === 'error') return wholeFail(fault.code, 'injected fault', describeFault(fault));
      if (fault?.kind === 'http')
        return {
          answer: {
            status: fault.status,
            ...(fault.retryAfter !== undefined && { retryAfter: fault.retryAfter }),
            errorCode: 0,
            itemCodes: {},
            fault: describeFault(fault),
          },
          delayMs: 0,
        };
      if (fault?.kind === 'malformed' && fault.shape === 'notJson')
        return {
          answer: {
            status: 200,
            body: NOT_JSON_PAGE,
            errorCode: 0,
            itemCodes: {},
            fault: describeFault(fault),
          },
          delayMs: 0,
        };
    }

    const structure = checkStructure(req.json);
    if ('problem' in structure) return wholeFail(30001, structure.problem);
    if (from === undefined) return wholeFail(30001, 'From_Account is required');
    const { check } = structure;
    const kind = d.store.accountKind(from);
    if (kind === 'foreign') return wholeFail(30002, `From_Account ${from} belongs to another SDKAppID`);
    if (kind === undefined)
      return wholeFail(30003, `From_Account ${from} does not exist: import the account first`);

    const items = (req.json as { AddFriendItem: AddFriendItem[] }).AddFriendItem;
    const itemFaults = injector?.hasItemRules ? { injector, n: req.faultN } : undefined;
    const verdicts = judgeItems(items, check.items, d.store.user(from), d.rules, itemFaults);
    if (verdicts.accepted.length > 0)
      d.store.put(from, req.text, verdicts.skipped, verdicts.accepted, Math.floor(Date.now() / 1000));

    const itemCodes: Record<string, number> = {};
    for (const r of verdicts.results) itemCodes[r.ResultCode] = (itemCodes[r.ResultCode] ?? 0) + 1;
    d.stats.items(itemCodes);
    const response =
      fault?.kind === 'malformed'
        ? JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' })
        : friendImportResponseJson(verdicts.results, verdicts.failAccounts, verdicts.invalidAccounts);
    const faultLabel = fault ? describeFault(fault) : verdicts.faulted ? 'items' : undefined;
    return {
      answer: { status: 200, body: response, errorCode: 0, itemCodes, fault: faultLabel },
      delayMs: fault?.kind === 'slow' ? fault.delayMs : d.writeLatencyMs,
    };
  }

  #send(
    req: ImportRequest,
    from: string | undefined,
    a: Answer,
    call: FriendImportCall | undefined,
    aborted: boolean,
  ): void {
    this.#release(from);
    if (!aborted) {
      if (a.body === undefined) sendGatewayError(req.res, a.status, a.retryAfter);
      else sendJson(req.res, a.body);
    }
    this.#deps.stats.answered(FRIEND_IMPORT, a.body === undefined ? `http${a.status}` : a.errorCode);
    if (call) {
      call.finishedAt = performance.timeOrigin + performance.now();
      call.httpStatus = a.status;
      call.errorCode = a.errorCode;
      call.itemCodes = a.itemCodes;
      if (a.fault) call.fault = a.fault;
      if (aborted) call.aborted = true;
      this.#deps.stats.record(call);
    }
  }

  #release(from: string | undefined): void {
    if (from === undefined) return;
    const left = (this.#inFlight.get(from) ?? 1) - 1;
    if (left > 0) this.#inFlight.set(from, left);
    else this.#inFlight.delete(from);
    this.#deps.stats.inFlight--;
  }

  /** Stops pending held answers (on close). */
  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}

function toAccountsOf(body: { AddFriendItem?: unknown } | null): string[] {
  const items = typeof body === 'object' && body !== null ? body.AddFriendItem : undefined;
  if (!Array.isArray(items)) return [];
  const out: string[] = [];
  for (const it of items as unknown[]) {
    const to =
      typeof it === 'object' && it !== null ? (it as { To_Account?: unknown }).To_Account : undefined;
    if (typeof to === 'string') out.push(to);
  }
  return out;
}
