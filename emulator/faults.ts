/**
 * The fault plan: a seeded, repeatable description of which friend_import requests (and items)
 * fail and how. JSON, validated by zod; the types are inferred from the schema.
 *
 * Request number `n` counts the friend_import requests received since the plan was installed
 * (1-based, every request, whatever its answer). Probability draws are keyed by (seed, n, rule,
 * item), so the same seed gives the same decision for the nth request, every run.
 */
import { z } from 'zod';
import { unitDraw } from './prng.js';

const DEFAULT_SLOW_MS = 12_000;

/**
 * Whole-request codes a plan may inject: the vendor codes that mean "try again" (internal error,
 * timeout, write conflict, busy), and the rate-limit and auth codes an importer must react to
 * (back off; renew its UserSig).
 */
const REQUEST_FAULT_CODES = [
  30006, 30007, 30008, 60008, 70169, 70202, 70500, 60007, 60011, 60018, 60019, 70050, 30540, 70001, 70052,
] as const;
/** Per-item codes a plan may inject. */
const ITEM_FAULT_CODES = [30006, 30007, 30008] as const;

const codeOf = <T extends readonly number[]>(codes: T) =>
  z
    .number()
    .int()
    .refine((c) => codes.includes(c), `must be one of ${codes.join(', ')}`);

const UserIds = z.array(z.string().min(1)).min(1);

/** Conditions that must all hold for a rule to fire; a rule with none fires every time. */
const when = {
  /** Fires with this probability (per request, or per item for `item` rules). */
  probability: z.number().min(0).max(1).optional(),
  /** Fires on these request numbers only. */
  nth: z.array(z.number().int().positive()).optional(),
  /** Fires on every k-th request (k, 2k, …). */
  every: z.number().int().positive().optional(),
};

const ErrorRule = z.strictObject({
  kind: z.literal('error'),
  code: codeOf(REQUEST_FAULT_CODES),
  fromAccounts: UserIds.optional(),
  ...when,
});
const HttpRule = z.strictObject({
  kind: z.literal('http'),
  status: z
    .number()
    .int()
    .refine((s) => [429, 500, 502, 503, 504].includes(s), 'must be 429, 500, 502, 503 or 504')
    .default(502),
  /** Seconds sent as the answer's Retry-After header. */
  retryAfter: z.number().int().min(0).max(3600).optional(),
  fromAccounts: UserIds.optional(),
  ...when,
});
/**
 * An HTTP 200 answer that is not the service's: `notJson`, a page from something in between (the
 * write does not land); `noResultItem`, the write lands and the answer says OK without ResultItem.
 */
const MalformedRule = z.strictObject({
  kind: z.literal('malformed'),
  shape: z.enum(['notJson', 'noResultItem']).default('notJson'),
  fromAccounts: UserIds.optional(),
  ...when,
});
/** The write lands, then the answer is held for `delayMs` (default: the plan's `slowMs`). */
const SlowRule = z.strictObject({
  kind: z.literal('slow'),
  delayMs: z.number().int().min(0).max(600_000).optional(),
  fromAccounts: UserIds.optional(),
  ...when,
});
const ItemRule = z.strictObject({
  kind: z.literal('item'),
  code: codeOf(ITEM_FAULT_CODES),
  toAccounts: UserIds.optional(),
  ...when,
});
/**
 * Named accounts fail their first `attempts` attempts: `fromAccounts` get `code` for the whole
 * request, `toAccounts` get it as their item's ResultCode.
 */
const FailFirstRule = z
  .strictObject({
    kind: z.literal('failFirst'),
    attempts: z.number().int().positive(),
    code: z.number().int(),
    fromAccounts: UserIds.optional(),
    toAccounts: UserIds.optional(),
  })
  .superRefine((r, ctx) => {
    if (!r.fromAccounts && !r.toAccounts)
      ctx.addIssue({ code: 'custom', message: 'needs fromAccounts or toAccounts', path: [] });
    if (r.fromAccounts && !(REQUEST_FAULT_CODES as readonly number[]).includes(r.code))
      ctx.addIssue({
        code: 'custom',
        path: ['code'],
        message: `with fromAccounts, code must be one of ${REQUEST_FAULT_CODES.join(', ')}`,
      });
    if (r.toAccounts && !(ITEM_FAULT_CODES as readonly number[]).includes(r.code))
      ctx.addIssue({
        code: 'custom',
        path: ['code'],
        message: `with toAccounts, code must be one of ${ITEM_FAULT_CODES.join(', ')}`,
      });
  });

const FaultRuleSchema = z.discriminatedUnion('kind', [
  ErrorRule,
  HttpRule,
  MalformedRule,
  SlowRule,
  ItemRule,
  FailFirstRule,
]);
export type FaultRule = z.infer<typeof FaultRuleSchema>;

export const FaultPlanSchema = z.strictObject({
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  /** Default delay of `slow` rules; above the client's timeout (ImClient: 10 s) so it gives up. */
  slowMs: z.number().int().min(0).max(600_000).default(DEFAULT_SLOW_MS),
  rules: z.array(FaultRuleSchema).default([]),
});
/** A plan as written in JSON (seed, slowMs and rules may be omitted). */
export type FaultPlan = z.input<typeof FaultPlanSchema>;
/** A validated plan, defaults filled in. */
export type ResolvedFaultPlan = z.output<typeof FaultPlanSchema>;

/** Validates a plan; the error lists every problem with its JSON path. */
export function parseFaultPlan(raw: unknown): ResolvedFaultPlan {
  const parsed = FaultPlanSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(plan)'}: ${i.message}`);
  throw new RangeError(`invalid fault plan: ${problems.join('; ')}`);
}

export type RequestFault =
  | { kind: 'error'; code: number; rule: number }
  | { kind: 'http'; status: number; retryAfter?: number; rule: number }
  | { kind: 'malformed'; shape: 'notJson' | 'noResultItem'; rule: number }
  | { kind: 'slow'; delayMs: number; rule: number };

interface ItemFault {
  code: number;
  rule: number;
}

type When = { probability?: number; nth?: number[]; every?: number };

/** Applies one plan; keeps the attempt counts of `failFirst` rules. */
export class FaultInjector {
  readonly plan: ResolvedFaultPlan;
  /** Per rule index: account → attempts seen. */
  readonly #attempts = new Map<number, Map<string, number>>();
  readonly #fromSets: (Set<string> | undefined)[];
  readonly #toSets: (Set<string> | undefined)[];
  readonly #nthSets: (Set<number> | undefined)[];
  readonly hasItemRules: boolean;

  constructor(plan: ResolvedFaultPlan) {
    this.plan = plan;
    this.#fromSets = plan.rules.map((r) =>
      'fromAccounts' in r && r.fromAccounts ? new Set(r.fromAccounts) : undefined,
    );
    this.#toSets = plan.rules.map((r) =>
      'toAccounts' in r && r.toAccounts ? new Set(r.toAccounts) : undefined,
    );
    this.#nthSets = plan.rules.map((r) => ('nth' in r && r.nth ? new Set(r.nth) : undefined));
    this.hasItemRules = plan.rules.some((r) => r.kind === 'item' || (r.kind === 'failFirst' && r.toAccounts));
  }

  #matches(r: When, ruleIndex: number, n: number, draw: () => number): boolean {
    if (r.every !== undefined && n % r.every !== 0) return false;
    if (this.#nthSets[ruleIndex] && !this.#nthSets[ruleIndex].has(n)) return false;
    if (r.probability !== undefined && !(draw() < r.probability)) return false;
    return true;
  }

  #attempt(ruleIndex: number, account: string): number {
    let counts = this.#attempts.get(ruleIndex);
    if (!counts) this.#attempts.set(ruleIndex, (counts = new Map<string, number>()));
    const next = (counts.get(account) ?? 0) + 1;
    counts.set(account, next);
    return next;
  }

  /**
   * The whole-request fault for request `n` of `fromAccount`, if any. Every matching `failFirst`
   * rule counts the attempt, even when an earlier rule decides the request.
   */
  decideRequest(n: number, fromAccount: string): RequestFault | undefined {
    const { seed, rules } = this.plan;
    let decided: RequestFault | undefined;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i] as FaultRule;
      if (r.kind === 'item') continue;
      const from = this.#fromSets[i];
      if (from && !from.has(fromAccount)) continue;
      if (r.kind === 'failFirst') {
        if (!from) continue;
        const attempt = this.#attempt(i, fromAccount);
        if (!decided && attempt <= r.attempts) decided = { kind: 'error', code: r.code, rule: i };
        continue;
      }
      if (decided || !this.#matches(r, i, n, () => unitDraw(seed, n, i))) continue;
      if (r.kind === 'error') decided = { kind: 'error', code: r.code, rule: i };
      else if (r.kind === 'http')
        decided = {
          kind: 'http',
          status: r.status,
          ...(r.retryAfter !== undefined && { retryAfter: r.retryAfter }),
          rule: i,
        };
      else if (r.kind === 'malformed') decided = { kind: 'malformed', shape: r.shape, rule: i };
      else decided = { kind: 'slow', delayMs: r.delayMs ?? this.plan.slowMs, rule: i };
    }
    return decided;
  }

  /** The per-item fault for item `index` (0-based) of request `n`, if any. */
  decideItem(n: number, index: number, toAccount: string): ItemFault | undefined {
    const { seed, rules } = this.plan;
    let decided: ItemFault | undefined;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i] as FaultRule;
      if (r.kind !== 'item' && r.kind !== 'failFirst') continue;
      const to = this.#toSets[i];
      if (r.kind === 'failFirst') {
        if (!to?.has(toAccount)) continue;
        const attempt = this.#attempt(i, toAccount);
        if (!decided && attempt <= r.attempts) decided = { code: r.code, rule: i };
        continue;
      }
      if (decided || (to && !to.has(toAccount))) continue;
      if (this.#matches(r, i, n, () => unitDraw(seed, n, i, index))) decided = { code: r.code, rule: i };
    }
    return decided;
  }
}

/** A short label for logs and the calls log, e.g. `error:30006`, `http:502`, `malformed:notJson`, `slow:12000`. */
export function describeFault(f: RequestFault): string {
  if (f.kind === 'error') return `error:${f.code}`;
  if (f.kind === 'http') return `http:${f.status}`;
  if (f.kind === 'malformed') return `malformed:${f.shape}`;
  return `slow:${f.delayMs}`;
}
