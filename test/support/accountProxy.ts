/**
 * A loopback HTTP proxy in front of an emulator that makes named accounts uncreatable: a
 * multiaccount_import naming them goes on without them, and the answer lists them in FailAccounts,
 * as the service does for an account it cannot create (the emulator creates every valid UserID,
 * and the file's own validation lets no invalid one through). Every other call goes through as it
 * is. It also notes each account call (its API and how many accounts it named).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const MULTI_IMPORT = 'v4/im_open_login_svc/multiaccount_import';
const ACCOUNT_CHECK = 'v4/im_open_login_svc/account_check';

export interface AccountCall {
  api: 'account_check' | 'multiaccount_import';
  accounts: number;
}

export interface AccountProxy {
  baseUrl: string;
  /** The account calls seen so far. */
  calls: AccountCall[];
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, text: string, retryAfter?: string | null): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(retryAfter ? { 'retry-after': retryAfter } : {}),
  });
  res.end(text);
}

export async function startAccountProxy(
  upstream: string,
  uncreatable: ReadonlySet<string>,
): Promise<AccountProxy> {
  const calls: AccountCall[] = [];
  const forward = async (req: IncomingMessage, body: string): Promise<Response> =>
    fetch(new URL((req.url ?? '/').replace(/^\//, ''), upstream), {
      method: req.method ?? 'POST',
      ...(req.method === 'GET' ? {} : { body }),
      headers: { 'content-type': 'application/json' },
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname.replace(/^\//, '');
    const body = await bodyOf(req);
    if (path === ACCOUNT_CHECK) {
      const items = (JSON.parse(body) as { CheckItem?: unknown[] }).CheckItem;
      calls.push({ api: 'account_check', accounts: Array.isArray(items) ? items.length : 0 });
    }
    if (path !== MULTI_IMPORT) {
      const answer = await forward(req, body);
      return send(res, answer.status, await answer.text(), answer.headers.get('retry-after'));
    }
    const request = JSON.parse(body) as { Accounts?: string[] };
    const accounts = request.Accounts ?? [];
    calls.push({ api: 'multiaccount_import', accounts: accounts.length });
    const refused = accounts.filter((a) => uncreatable.has(a));
    const rest = accounts.filter((a) => !uncreatable.has(a));
    if (refused.length > 0 && rest.length === 0)
      return send(
        res,
        200,
        JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', FailAccounts: refused }),
      );
    const answer = await forward(
      req,
      refused.length > 0 ? JSON.stringify({ ...request, Accounts: rest }) : body,
    );
    const text = await answer.text();
    if (answer.status !== 200 || refused.length === 0)
      return send(res, answer.status, text, answer.headers.get('retry-after'));
    const json = JSON.parse(text) as { ErrorCode: number; FailAccounts?: string[] };
    if (json.ErrorCode === 0) json.FailAccounts = [...(json.FailAccounts ?? []), ...refused];
    return send(res, 200, JSON.stringify(json));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 502, JSON.stringify({ error: String(err) })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
