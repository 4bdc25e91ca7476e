/**
 * The query string every REST call carries, checked the way the service does: sdkappid, an admin
 * identifier, a fully verified UserSig, a uint32 `random`, `contenttype=json`. Parameter names are
 * case-sensitive; parameters we do not know are ignored; a parameter given twice with the same
 * value counts once, with different values it is refused (docs/emulator.md says why).
 * Verified UserSigs are cached per string (decoding and HMAC are the costly part); expiry is
 * checked again on every call.
 */
import { verifyUserSig } from '../im/node/userSig.js';

interface AppAuth {
  sdkAppId: number;
  adminIdentifiers: ReadonlySet<string>;
  secretKey: string;
}

type QueryCheck = { ok: true } | { ok: false; code: number; info: string };

const OK: QueryCheck = { ok: true };
const MAX_CACHED = 10_000;
const UINT32 = /^\d{1,10}$/;

function bad(code: number, info: string): QueryCheck {
  return { ok: false, code, info };
}

/**
 * The value of `name`: `undefined` when absent, `null` when given more than once with different
 * values (the same value repeated is that value: whichever one the service reads, it is the same).
 */
function single(params: URLSearchParams, name: string): string | undefined | null {
  const all = params.getAll(name);
  const first = all[0];
  for (let i = 1; i < all.length; i++) if (all[i] !== first) return null;
  return first;
}

export class QueryAuth {
  readonly #app: AppAuth;
  /** `identifier \n usersig` → expiry (Unix seconds) of a UserSig that verified. */
  readonly #verified = new Map<string, number>();

  constructor(app: AppAuth) {
    this.#app = app;
  }

  check(query: string, nowSeconds = Math.floor(Date.now() / 1000)): QueryCheck {
    const params = new URLSearchParams(query);
    const sdkappid = single(params, 'sdkappid');
    if (sdkappid === undefined || sdkappid === '') return bad(60012, 'sdkappid is missing from the URL');
    if (sdkappid === null) return bad(60002, 'sdkappid is given more than once, with different values');
    if (!/^\d{1,20}$/.test(sdkappid)) return bad(60006, `sdkappid ${JSON.stringify(sdkappid)} is invalid`);
    if (Number(sdkappid) !== this.#app.sdkAppId) return bad(70020, `SDKAppID ${sdkappid} not found`);

    const identifier = single(params, 'identifier');
    if (identifier === null) return bad(60002, 'identifier is given more than once, with different values');
    if (typeof identifier !== 'string' || !this.#app.adminIdentifiers.has(identifier))
      return bad(60010, 'identifier is not an App admin of this SDKAppID');

    const userSig = single(params, 'usersig');
    if (userSig === null) return bad(60002, 'usersig is given more than once, with different values');
    const sigCheck = this.#checkUserSig(identifier, userSig ?? '', nowSeconds);
    if (!sigCheck.ok) return sigCheck;

    const random = single(params, 'random');
    if (random === null) return bad(60002, 'random is given more than once, with different values');
    if (typeof random !== 'string' || !UINT32.test(random) || Number(random) > 0xffffffff)
      return bad(60002, 'random must be an unsigned 32-bit integer (0…4294967295)');
    const contentType = single(params, 'contenttype');
    if (contentType === null) return bad(60002, 'contenttype is given more than once, with different values');
    if (contentType !== 'json') return bad(60002, 'contenttype must be json');
    return OK;
  }

  #checkUserSig(identifier: string, userSig: string, now: number): QueryCheck {
    const key = `${identifier}\n${userSig}`;
    const expiresAt = this.#verified.get(key);
    if (expiresAt !== undefined) {
      if (now > expiresAt) return bad(70001, 'UserSig expired');
      return OK;
    }
    const result = verifyUserSig(this.#app.secretKey, userSig, {
      sdkAppId: this.#app.sdkAppId,
      identifier,
      nowSeconds: now,
    });
    if (!result.ok) return bad(result.code, `UserSig check failed: ${result.reason}`);
    if (this.#verified.size >= MAX_CACHED) this.#verified.clear();
    this.#verified.set(key, result.expiresAt);
    return OK;
  }
}
