/**
 * Turns one friend_import answer into what the importer must do next (the right retries,
 * docs/architecture.md):
 * which items are done, which to send again, which failed for good, and what the request as a
 * whole calls for. `ResultItem` is authoritative; `Fail_Account` / `Invalid_Account` are cross-checks.
 */
import { classOf, type CodeClass } from './errorCodes.js';
import type { FriendImportResponse } from './schemas.js';

export interface ItemResult {
  toAccount: string;
  code: number;
  info: string;
}

export type RequestVerdict = { class: 'ok' } | { class: CodeClass; code: number; info: string };

export interface ClassifiedImport {
  /** Whole-request outcome; when it is not `ok`, no item was processed. */
  request: RequestVerdict;
  imported: string[];
  /** Per-item transient (or rate-limit) codes: send only these again. */
  transient: ItemResult[];
  /** Per-item codes no retry can change. */
  permanent: ItemResult[];
  /** Sent but absent from `ResultItem`: the outcome is unknown, so they are sent again. */
  missing: string[];
  failAccounts: string[];
  invalidAccounts: string[];
  /** Disagreements between `ResultItem` and the two account lists, for logs. */
  inconsistencies: string[];
}

/** Classifies the answer to a request that carried `sent` (the To_Accounts, in order, without duplicates). */
export function classifyFriendImport(
  sent: readonly string[],
  response: FriendImportResponse,
): ClassifiedImport {
  const failAccounts = response.Fail_Account ?? [];
  const invalidAccounts = response.Invalid_Account ?? [];
  const base = {
    imported: [],
    transient: [],
    permanent: [],
    missing: [],
    failAccounts,
    invalidAccounts,
    inconsistencies: [],
  };
  if (response.ErrorCode !== 0 || response.ActionStatus !== 'OK') {
    const code = response.ErrorCode !== 0 ? response.ErrorCode : 30006;
    return { ...base, request: { class: classOf(code), code, info: response.ErrorInfo } };
  }

  const out: ClassifiedImport = { ...base, request: { class: 'ok' } };
  const wanted = new Set(sent);
  const answered = new Set<string>();
  for (const r of response.ResultItem ?? []) {
    if (!wanted.has(r.To_Account)) {
      out.inconsistencies.push(`ResultItem names ${r.To_Account}, which was not sent`);
      continue;
    }
    if (answered.has(r.To_Account)) {
      out.inconsistencies.push(`ResultItem names ${r.To_Account} twice; the first answer counts`);
      continue;
    }
    answered.add(r.To_Account);
    if (r.ResultCode === 0) {
      out.imported.push(r.To_Account);
      if (failAccounts.includes(r.To_Account) || invalidAccounts.includes(r.To_Account))
        out.inconsistencies.push(`${r.To_Account} succeeded but is listed as failed or invalid`);
      continue;
    }
    const item = { toAccount: r.To_Account, code: r.ResultCode, info: r.ResultInfo };
    const cls = classOf(r.ResultCode);
    if (cls === 'transient' || cls === 'rateLimit') out.transient.push(item);
    else out.permanent.push(item);
    if (!failAccounts.includes(r.To_Account) && !invalidAccounts.includes(r.To_Account))
      out.inconsistencies.push(
        `${r.To_Account} failed with ${r.ResultCode} but is in neither Fail_Account nor Invalid_Account`,
      );
  }
  out.missing = sent.filter((a) => !answered.has(a));
  return out;
}
