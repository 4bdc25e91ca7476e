/**
 * A page's uncreatable accounts, in the job's report folder (`accounts/p000001.jsonl`: one JSON
 * line per account, `{account, code, reason}`): written by prepareAccounts, read by the page's
 * importPage, which fails the items that name them. Local paths and `s3://` alike.
 */
import type { UncreatableAccount } from '../../core/accounts.js';
import { joinLocation, readWhole, writeWhole } from '../../formats/storage/files.js';
import { reportFailure } from '../reportFolder.js';

/** Where page `page`'s uncreatable accounts go. */
export function accountsFileOf(reportDir: string, page: number): string {
  return joinLocation(reportDir, 'accounts', `p${String(page).padStart(6, '0')}.jsonl`);
}

export async function writeAccountsFile(
  file: string,
  accounts: readonly UncreatableAccount[],
): Promise<void> {
  const text = accounts
    .map((a) => JSON.stringify({ account: a.account, code: a.code, reason: a.reason }))
    .join('\n');
  try {
    await writeWhole(file, `${text}\n`);
  } catch (err) {
    throw reportFailure(err, file);
  }
}

/** The file's accounts by UserID (an empty map when the page names no file). */
export async function readAccountsFile(file: string | undefined): Promise<Map<string, UncreatableAccount>> {
  const out = new Map<string, UncreatableAccount>();
  if (file === undefined) return out;
  for (const line of (await readWhole(file)).split('\n')) {
    if (!line) continue;
    const a = JSON.parse(line) as UncreatableAccount;
    out.set(a.account, a);
  }
  return out;
}
