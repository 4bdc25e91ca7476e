/**
 * The typed Tencent IM REST client: one POST per call over pooled keep-alive connections
 * (`post.ts`), a client timeout above the service's 3 s, a cached admin UserSig, and typed errors
 * whose messages never contain the UserSig.
 */
import {
  ImApiError,
  ImHttpError,
  ImNetworkError,
  ImProtocolError,
  ImTimeoutError,
  retryAfterMs,
} from './errors.js';
import {
  COMMANDS,
  type CommandName,
  type FriendImportRequest,
  type FriendImportResponse,
  type RequestOf,
  type ResponseOf,
} from '../schemas.js';
import { AnswerTooLargeError, postJson, type PostAnswer } from './post.js';
import { UserSigCache } from './userSig.js';
import { buildUrl, redactUrl } from './url.js';

export interface ImClientOptions {
  /** Service root, e.g. `https://adminapisgp.im.qcloud.com/` or the emulator's `http://127.0.0.1:5080/`. */
  baseUrl: string;
  sdkAppId: number;
  adminIdentifier: string;
  secretKey: string;
  /** Client timeout per call; must stay above the service's 3 s processing timeout (default 10 s). */
  timeoutMs?: number;
  userSigExpireSeconds?: number;
  /** Called when a UserSig is generated (first use, renewal, after an auth code). */
  onUserSigRenew?: () => void;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const MIN_TIMEOUT_MS = 3_500;
/** Stays under the friendImport activity's 30 s start-to-close timeout. */
export const MAX_TIMEOUT_MS = 20_000;

export interface CallOptions {
  /** Aborts the call (e.g. Temporal's activity cancellation signal). */
  signal?: AbortSignal;
}

export class ImClient {
  readonly baseUrl: string;
  readonly sdkAppId: number;
  readonly adminIdentifier: string;
  readonly timeoutMs: number;
  readonly #sigs: UserSigCache;

  constructor(options: ImClientOptions) {
    if ((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) < MIN_TIMEOUT_MS)
      throw new RangeError(
        `timeoutMs must be at least ${MIN_TIMEOUT_MS} ms: the service may take 3 s to answer`,
      );
    this.baseUrl = options.baseUrl;
    this.sdkAppId = options.sdkAppId;
    this.adminIdentifier = options.adminIdentifier;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#sigs = new UserSigCache({
      sdkAppId: options.sdkAppId,
      secretKey: options.secretKey,
      expireSeconds: options.userSigExpireSeconds,
      onRenew: options.onUserSigRenew,
    });
  }

  /** Forgets the cached admin UserSig so the next call signs afresh (after an auth error code). */
  renewUserSig(): void {
    this.#sigs.invalidate(this.adminIdentifier);
  }

  /**
   * POSTs `body` to `command` and returns the parsed answer, whatever its ErrorCode.
   * Throws an `ImTransportError` subclass when there is no business answer to return.
   */
  async call<C extends CommandName>(
    command: C,
    body: RequestOf<C>,
    options: CallOptions = {},
  ): Promise<ResponseOf<C>> {
    const spec = COMMANDS[command];
    const url = buildUrl({
      baseUrl: this.baseUrl,
      path: spec.path,
      sdkAppId: this.sdkAppId,
      identifier: this.adminIdentifier,
      userSig: this.#sigs.get(this.adminIdentifier),
    });
    const safeUrl = redactUrl(url);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;

    const text = JSON.stringify(body);
    let answer: PostAnswer;
    try {
      answer = await postJson(url, text, signal);
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason ?? err;
      if (timeout.aborted) throw new ImTimeoutError(this.timeoutMs, safeUrl);
      if (err instanceof AnswerTooLargeError) throw new ImProtocolError(err.message, safeUrl);
      throw new ImNetworkError(err, safeUrl);
    }
    if (answer.status !== 200)
      throw new ImHttpError(answer.status, safeUrl, answer.text, retryAfterMs(answer.retryAfter));
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch {
      throw new ImProtocolError(`body is not JSON (${answer.text.slice(0, 80)})`, safeUrl);
    }
    const parsed = spec.response.safeParse(json);
    if (!parsed.success)
      throw new ImProtocolError(parsed.error.issues[0]?.message ?? 'schema mismatch', safeUrl);
    return parsed.data as ResponseOf<C>;
  }

  /** Like `call`, but a non-zero ErrorCode becomes an `ImApiError` (for the companion calls). */
  async callOk<C extends CommandName>(
    command: C,
    body: RequestOf<C>,
    options?: CallOptions,
  ): Promise<ResponseOf<C>> {
    const res = await this.call(command, body, options);
    if (res.ErrorCode !== 0) throw new ImApiError(res.ErrorCode, res.ErrorInfo, COMMANDS[command].path);
    return res;
  }

  friendImport(body: FriendImportRequest, options?: CallOptions): Promise<FriendImportResponse> {
    return this.call('friendImport', body, options);
  }

  toJSON(): object {
    return { baseUrl: this.baseUrl, sdkAppId: this.sdkAppId, adminIdentifier: this.adminIdentifier };
  }
}
