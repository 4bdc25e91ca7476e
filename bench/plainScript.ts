/**
 * The peer of the benchmarks (bench/RESULTS.md): what a careful one-off script does — a token bucket
 * at the app rate, a fixed number of calls in flight, each user's items cut into batches of 1,000,
 * straight ImClient calls, whole-request retries with backoff. No per-user serialisation (two
 * batches of one user may be in flight together), no durability, no per-item retry, no input
 * validation: it shows what Temporal costs and what it saves.
 *
 *   node --import tsx bench/plainScript.ts --file data.jsonl --base-url http://127.0.0.1:5080/
 *        [--rate 200] [--burst 1] [--concurrency 32] [--attempts 6]
 */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { codeInfo, ImClient, ImTransportError, type AddFriendItem } from '../im/index.js';
import { LOCAL_IM_APP } from '../config/im.js';

export interface PlainOptions {
  /** JSONL file of friend_import bodies. */
  file: string;
  baseUrl: string;
  sdkAppId?: number;
  adminIdentifier?: string;
  secretKey?: string;
  rate?: number;
  /**
   * Tokens the bucket holds at most. 1 (the default) spaces calls evenly, the script's best chance
   * of staying within the vendor's 1-second windows; a bucket of `rate` tokens lets a second's
   * worth go at once after a pause.
   */
  burst?: number;
  concurrency?: number;
  batchSize?: number;
  /** Attempts per batch for transient and rate-limit answers (whole request). */
  attempts?: number;
}

export interface PlainResult {
  calls: number;
  batches: number;
  retries: number;
  items: number;
  imported: number;
  /** Items not imported: per-item codes, or batches that ran out of attempts. */
  failed: number;
  /** Whole-request answers by code ('0' = answered; negative = HTTP/network). */
  codes: Record<string, number>;
  /** Per-item codes of answered calls. */
  itemCodes: Record<string, number>;
  elapsedMs: number;
}

/** A token bucket: `rate` tokens a second, at most `capacity` saved; waiters served in order. */
export class TokenBucket {
  #tokens: number;
  #last = performance.now();
  #tail: Promise<void> = Promise.resolve();

  constructor(
    readonly rate: number,
    readonly capacity = 1,
  ) {
    this.#tokens = capacity;
  }

  take(): Promise<void> {
    const turn = this.#tail.then(async () => {
      for (;;) {
        const now = performance.now();
        this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#last) * this.rate) / 1000);
        this.#last = now;
        if (this.#tokens >= 1) {
          this.#tokens -= 1;
          return;
        }
        await sleep(((1 - this.#tokens) * 1000) / this.rate);
      }
    });
    this.#tail = turn;
    return turn;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Batch {
  from: string;
  items: AddFriendItem[];
}

/** Batches of ≤ `size` items in file order, read lazily (a line at a time). */
async function* batchesOf(file: string, size: number): AsyncGenerator<Batch> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const body = JSON.parse(line) as { From_Account: string; AddFriendItem: AddFriendItem[] };
    for (let i = 0; i < body.AddFriendItem.length; i += size)
      yield { from: body.From_Account, items: body.AddFriendItem.slice(i, i + size) };
  }
}

export async function runPlainScript(o: PlainOptions): Promise<PlainResult> {
  const im = new ImClient({
    baseUrl: o.baseUrl,
    sdkAppId: o.sdkAppId ?? LOCAL_IM_APP.sdkAppId,
    adminIdentifier: o.adminIdentifier ?? LOCAL_IM_APP.adminIdentifier,
    secretKey: o.secretKey ?? LOCAL_IM_APP.secretKey,
  });
  const bucket = new TokenBucket(o.rate ?? 200, o.burst ?? 1);
  const attempts = o.attempts ?? 6;
  const r: PlainResult = {
    calls: 0,
    batches: 0,
    retries: 0,
    items: 0,
    imported: 0,
    failed: 0,
    codes: {},
    itemCodes: {},
    elapsedMs: 0,
  };
  const count = (map: Record<string, number>, key: number | string, n = 1) => {
    map[String(key)] = (map[String(key)] ?? 0) + n;
  };

  const send = async (b: Batch): Promise<void> => {
    r.batches++;
    r.items += b.items.length;
    for (let attempt = 1; ; attempt++) {
      await bucket.take();
      r.calls++;
      let code: number;
      try {
        const res = await im.friendImport({ From_Account: b.from, AddFriendItem: b.items });
        code = res.ErrorCode;
        count(r.codes, code);
        if (code === 0) {
          for (const it of res.ResultItem ?? []) {
            count(r.itemCodes, it.ResultCode);
            if (it.ResultCode === 0) r.imported++;
            else r.failed++;
          }
          return;
        }
      } catch (err) {
        if (!(err instanceof ImTransportError)) throw err;
        code = err.code;
        count(r.codes, code);
      }
      const cls = codeInfo(code).class;
      if ((cls !== 'transient' && cls !== 'rateLimit') || attempt >= attempts) {
        r.failed += b.items.length;
        return;
      }
      r.retries++;
      await sleep(cls === 'rateLimit' ? 1000 : Math.min(100 * 2 ** attempt, 5000));
    }
  };

  const t0 = performance.now();
  const source = batchesOf(o.file, o.batchSize ?? 1000);
  // One shared iterator: each lane takes the next batch when its call is done.
  let next = Promise.resolve();
  const take = (): Promise<IteratorResult<Batch>> => {
    const p = next.then(() => source.next());
    next = p.then(() => undefined);
    return p;
  };
  await Promise.all(
    Array.from({ length: o.concurrency ?? 32 }, async () => {
      for (let b = await take(); !b.done; b = await take()) await send(b.value);
    }),
  );
  r.elapsedMs = performance.now() - t0;
  return r;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      file: { type: 'string' },
      'base-url': { type: 'string' },
      rate: { type: 'string', default: '200' },
      burst: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '32' },
      attempts: { type: 'string', default: '6' },
    },
  });
  if (!values.file || !values['base-url']) throw new Error('--file and --base-url are required');
  const result = await runPlainScript({
    file: resolve(values.file),
    baseUrl: values['base-url'],
    rate: Number(values.rate),
    burst: Number(values.burst),
    concurrency: Number(values.concurrency),
    attempts: Number(values.attempts),
  });
  console.log(JSON.stringify(result));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();
