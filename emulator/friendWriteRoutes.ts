/**
 * `v4/sns/friend_update` and `v4/sns/friend_delete`: the whole-request gates (each API's rate
 * limit, the write conflict with any other write for the same user, structure, From_Account), then
 * the per-item verdicts (`friendWriteRules.ts`), the write, and the answer, held for the configured
 * write latency while the request stays in flight. docs/emulator.md (friend writes) has the rules.
 */
import type { ServerResponse } from 'node:http';
import { FriendDeleteRequestSchema, MAX_DELETE_ACCOUNTS_PER_CALL } from '../im/friendDeleteSchemas.js';
import { FriendUpdateRequestSchema } from '../im/friendUpdateSchemas.js';
import { COMMANDS, type AddFriendItem } from '../im/schemas.js';
import { sendJson } from './http.js';
import { judgeDelete, judgeUpdate, type UpdateRules, type WriteResult } from './friendWriteRules.js';
import type { WindowLimiter } from './rateWindow.js';
import type { StatsCollector } from './stats.js';
import type { Store } from './store.js';
import { fail, OK_SNS, type RateLimitCode } from './vendor.js';

export const FRIEND_UPDATE = COMMANDS.friendUpdate.path;
export const FRIEND_DELETE = COMMANDS.friendDelete.path;
export const FRIEND_WRITE_ROUTES: ReadonlySet<string> = new Set([FRIEND_UPDATE, FRIEND_DELETE]);

export interface FriendWriteDeps {
  store: Store;
  stats: StatsCollector;
  /** Route path → its limiter (an API without one is not limited). */
  limiters: ReadonlyMap<string, WindowLimiter>;
  rateLimitCode: RateLimitCode;
  writeLatencyMs: number;
  update: UpdateRules & { maxItems: number };
  deleteNotFriendCode: number;
  /** Whether a friend_import for the user is in flight (the writes conflict with it). */
  importBusy(fromAccount: string): boolean;
}

interface Answer {
  code: number;
  body: object;
  /** Whether the write landed (then the answer is held for the write latency). */
  wrote: boolean;
}

const snsFail = (code: number, info: string): Answer => ({
  code,
  body: fail(code, info, true),
  wrote: false,
});

function firstIssue(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}` : 'invalid body';
}

function itemsAnswer(results: WriteResult[], failAccounts: string[], wrote: boolean): Answer {
  const body = {
    ResultItem: results,
    ...(failAccounts.length > 0 && { Fail_Account: failAccounts }),
    ...OK_SNS,
  };
  return { code: 0, body, wrote };
}

function listLength(body: unknown, field: string): number | undefined {
  const list = (body as Record<string, unknown>)[field];
  return Array.isArray(list) ? list.length : undefined;
}

export class FriendWriteService {
  readonly #deps: FriendWriteDeps;
  /** From_Account → friend_update / friend_delete requests in flight. */
  readonly #inFlight = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(deps: FriendWriteDeps) {
    this.#deps = deps;
  }

  /** Whether a friend_update or friend_delete for `fromAccount` is in flight. */
  busy(fromAccount: string): boolean {
    return (this.#inFlight.get(fromAccount) ?? 0) > 0;
  }

  /** Answers one request whose body is a JSON object. */
  handle(route: string, res: ServerResponse, json: object): void {
    const d = this.#deps;
    const raw = (json as { From_Account?: unknown }).From_Account;
    const from = typeof raw === 'string' ? raw : undefined;
    let overlapped = false;
    if (from !== undefined) {
      overlapped = this.busy(from) || d.importBusy(from);
      if (overlapped) d.stats.routeOverlap(route);
      this.#inFlight.set(from, (this.#inFlight.get(from) ?? 0) + 1);
    }
    let answer: Answer;
    try {
      answer = this.#decide(route, json, from, overlapped);
    } catch (err) {
      this.#release(from);
      throw err;
    }
    const send = (): void => {
      this.#release(from);
      d.stats.answered(route, answer.code);
      sendJson(res, answer.body);
    };
    if (!answer.wrote || d.writeLatencyMs <= 0) return send();
    let sent = false;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (sent) return;
      sent = true;
      send();
    }, d.writeLatencyMs);
    this.#timers.add(timer);
    res.once('close', () => {
      if (sent) return;
      // The client gave up: the write has landed, the request is no longer in flight.
      sent = true;
      clearTimeout(timer);
      this.#timers.delete(timer);
      send();
    });
  }

  #decide(route: string, json: object, from: string | undefined, overlapped: boolean): Answer {
    const d = this.#deps;
    const limiter = d.limiters.get(route);
    if (limiter && !limiter.tryAcquire(performance.now()))
      return snsFail(
        d.rateLimitCode,
        `REST API call frequency over the limit: at most ${limiter.limit} ${route.slice('v4/sns/'.length)} calls per second`,
      );
    if (overlapped)
      return snsFail(30008, `write conflict: another write for ${from} is in flight; send one at a time`);
    return route === FRIEND_UPDATE ? this.#update(json) : this.#delete(json);
  }

  /** 30003 / 30002 when From_Account cannot be used, else undefined. */
  #fromProblem(from: string): Answer | undefined {
    const kind = this.#deps.store.accountKind(from);
    if (kind === 'foreign') return snsFail(30002, `From_Account ${from} belongs to another SDKAppID`);
    if (kind === undefined)
      return snsFail(30003, `From_Account ${from} does not exist: import the account first`);
    return undefined;
  }

  #update(json: object): Answer {
    const d = this.#deps;
    const max = d.update.maxItems;
    const count = listLength(json, 'UpdateItem');
    if (count !== undefined && (count === 0 || count > max))
      return snsFail(30001, `UpdateItem must hold 1–${max} items, got ${count}`);
    const parsed = FriendUpdateRequestSchema.safeParse(json);
    if (!parsed.success) return snsFail(30001, `invalid parameter: ${firstIssue(parsed.error)}`);
    const { From_Account: from, UpdateItem } = parsed.data;
    const problem = this.#fromProblem(from);
    if (problem) return problem;
    const friends = new Map<string, AddFriendItem>();
    for (const [to, f] of d.store.friends(from)) friends.set(to, f.item);
    const verdicts = judgeUpdate(from, UpdateItem, friends, d.store.user(from).groups, d.update);
    d.store.update(from, verdicts.written, Math.floor(Date.now() / 1000));
    return itemsAnswer(verdicts.results, verdicts.failAccounts, verdicts.written.length > 0);
  }

  #delete(json: object): Answer {
    const d = this.#deps;
    const count = listLength(json, 'To_Account');
    if (count !== undefined && (count === 0 || count > MAX_DELETE_ACCOUNTS_PER_CALL))
      return snsFail(30001, `To_Account must hold 1–${MAX_DELETE_ACCOUNTS_PER_CALL} accounts, got ${count}`);
    const parsed = FriendDeleteRequestSchema.safeParse(json);
    if (!parsed.success) return snsFail(30001, `invalid parameter: ${firstIssue(parsed.error)}`);
    const { From_Account: from, To_Account, DeleteType } = parsed.data;
    const problem = this.#fromProblem(from);
    if (problem) return problem;
    const both = DeleteType === 'Delete_Type_Both';
    const isFriend = (a: string, b: string): boolean => d.store.user(a).friends.has(b);
    const verdicts = judgeDelete(from, To_Account, both, isFriend, d.deleteNotFriendCode);
    if (verdicts.removed.length > 0)
      d.store.remove(from, verdicts.removed, both, Math.floor(Date.now() / 1000));
    return itemsAnswer(verdicts.results, verdicts.failAccounts, verdicts.removed.length > 0);
  }

  #release(from: string | undefined): void {
    if (from === undefined) return;
    const left = (this.#inFlight.get(from) ?? 1) - 1;
    if (left > 0) this.#inFlight.set(from, left);
    else this.#inFlight.delete(from);
  }

  /** Stops pending held answers (on close). */
  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
