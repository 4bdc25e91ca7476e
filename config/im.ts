/**
 * The IM app settings (docs/configuration.md), validated once at the edge with errors that name the
 * variable. Shared by the worker, the emulator and the CLI so all three agree on one app.
 */
import { z } from 'zod';
import { callsPerSecond, parseEnv, SettingsError, wholeNumber, type Env } from './env.js';

export { SettingsError, type Env };
import { DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, MIN_TIMEOUT_MS } from '../im/node/client.js';
import { utf8Length } from '../im/limits.js';
import { MAX_ITEMS_PER_CALL } from '../im/schemas.js';
import { regionBaseUrl, REGIONS, type Region } from '../im/node/url.js';

/** The embedded local stack's app: used only by `dev`, `demo` and `emulator`, never silently by `worker`. */
export const LOCAL_IM_APP = {
  sdkAppId: 1400000000,
  adminIdentifier: 'administrator',
  secretKey: 'local-emulator-secret-key-not-for-production',
} as const;

/** Calls per second per API when none is set (the vendor's default per app). */
const DEFAULT_RATE_LIMIT = 200;
/** account_check and multiaccount_import: the vendor allows half the others' rate (docs/configuration.md). */
const DEFAULT_ACCOUNT_RATE_LIMIT = 100;

/** The two IM variables a client needs too (see `loadClientImSettings`). */
const SDKAPPID = wholeNumber('IM_SDKAPPID', 1, Number.MAX_SAFE_INTEGER);
const BATCH_SIZE = wholeNumber('IM_BATCH_SIZE', 1, MAX_ITEMS_PER_CALL);

const EnvSchema = z.object({
  IM_BASE_URL: z
    .string()
    .trim()
    .refine(
      (v) => /^https?:\/\/[^/]+/.test(v),
      'IM_BASE_URL must be an http(s) URL, e.g. https://adminapisgp.im.qcloud.com',
    )
    .optional(),
  IM_REGION: z
    .enum(REGIONS as [Region, ...Region[]], { error: `IM_REGION must be one of: ${REGIONS.join(', ')}` })
    .optional(),
  IM_SDKAPPID: SDKAPPID,
  IM_ADMIN_IDENTIFIER: z
    .string()
    .trim()
    .min(1, 'IM_ADMIN_IDENTIFIER must not be empty')
    .refine((v) => utf8Length(v) <= 32, 'IM_ADMIN_IDENTIFIER is a UserID: at most 32 bytes'),
  IM_SECRET_KEY: z.string().min(1, 'IM_SECRET_KEY must not be empty'),
  IM_RATE_LIMIT: callsPerSecond('IM_RATE_LIMIT').optional(),
  IM_CHECK_RATE_LIMIT: callsPerSecond('IM_CHECK_RATE_LIMIT').optional(),
  IM_GET_RATE_LIMIT: callsPerSecond('IM_GET_RATE_LIMIT').optional(),
  IM_UPDATE_RATE_LIMIT: callsPerSecond('IM_UPDATE_RATE_LIMIT').optional(),
  IM_DELETE_RATE_LIMIT: callsPerSecond('IM_DELETE_RATE_LIMIT').optional(),
  IM_ACCOUNT_CHECK_RATE_LIMIT: callsPerSecond('IM_ACCOUNT_CHECK_RATE_LIMIT').optional(),
  IM_ACCOUNT_IMPORT_RATE_LIMIT: callsPerSecond('IM_ACCOUNT_IMPORT_RATE_LIMIT').optional(),
  IM_BATCH_SIZE: BATCH_SIZE.optional(),
  IM_TIMEOUT_MS: z
    .string()
    .regex(/^\d+$/, 'IM_TIMEOUT_MS must be a whole number')
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(MIN_TIMEOUT_MS, `IM_TIMEOUT_MS must be at least ${MIN_TIMEOUT_MS}: the service may take 3 s`)
        .max(
          MAX_TIMEOUT_MS,
          `IM_TIMEOUT_MS must be at most ${MAX_TIMEOUT_MS}: one friendImport attempt is given 30 s`,
        ),
    )
    .optional(),
});

export interface ImSettings {
  baseUrl: string;
  sdkAppId: number;
  adminIdentifier: string;
  secretKey: string;
  /** friend_import calls per second for the whole app. */
  rateLimit: number;
  /** friend_check calls per second for the whole app (default 200). */
  checkRateLimit?: number;
  /** friend_get calls per second for the whole app (default 200). */
  getRateLimit?: number;
  /** friend_update calls per second for the whole app (default 200). */
  updateRateLimit?: number;
  /** friend_delete calls per second for the whole app (default 200). */
  deleteRateLimit?: number;
  /** account_check calls per second for the whole app (default 100, the vendor's limit). */
  accountCheckRateLimit?: number;
  /** multiaccount_import calls per second for the whole app (default 100, the vendor's limit). */
  accountImportRateLimit?: number;
  /** Items per friend_import call (≤ 1000). */
  batchSize: number;
  timeoutMs: number;
}

/**
 * Reads the IM settings from `env`. With `local: true` (the `dev`, `demo` and `emulator` commands)
 * unset app settings fall back to the embedded stack's app; otherwise they are required.
 * `localBaseUrl` is the emulator's URL when no IM_BASE_URL or IM_REGION is given in local mode.
 */
export function loadImSettings(
  env: Env,
  options: { local?: boolean; localBaseUrl?: string } = {},
): ImSettings {
  const local = {
    IM_SDKAPPID: String(LOCAL_IM_APP.sdkAppId),
    IM_ADMIN_IDENTIFIER: LOCAL_IM_APP.adminIdentifier,
    IM_SECRET_KEY: LOCAL_IM_APP.secretKey,
  };
  const data = parseEnv(EnvSchema, env, options.local ? local : {});
  const problems: string[] = [];
  if (data.IM_BASE_URL && data.IM_REGION) problems.push('set either IM_BASE_URL or IM_REGION, not both');
  const baseUrl = data.IM_BASE_URL ?? (data.IM_REGION ? regionBaseUrl(data.IM_REGION) : options.localBaseUrl);
  if (!baseUrl) problems.push(`IM_BASE_URL or IM_REGION is required (regions: ${REGIONS.join(', ')})`);
  if (problems.length > 0 || !baseUrl) throw new SettingsError(problems);
  return appSettings({
    baseUrl,
    sdkAppId: data.IM_SDKAPPID,
    adminIdentifier: data.IM_ADMIN_IDENTIFIER,
    secretKey: data.IM_SECRET_KEY,
    rateLimit: data.IM_RATE_LIMIT,
    checkRateLimit: data.IM_CHECK_RATE_LIMIT,
    getRateLimit: data.IM_GET_RATE_LIMIT,
    updateRateLimit: data.IM_UPDATE_RATE_LIMIT,
    deleteRateLimit: data.IM_DELETE_RATE_LIMIT,
    accountCheckRateLimit: data.IM_ACCOUNT_CHECK_RATE_LIMIT,
    accountImportRateLimit: data.IM_ACCOUNT_IMPORT_RATE_LIMIT,
    batchSize: data.IM_BATCH_SIZE,
    timeoutMs: data.IM_TIMEOUT_MS,
  });
}

type AppRequired = Pick<ImSettings, 'baseUrl' | 'sdkAppId' | 'adminIdentifier' | 'secretKey'>;
type AppOptional = Omit<ImSettings, keyof AppRequired>;

/** An app's settings with the defaults filled in: the same whether they come from IM_* or IM_APPS_FILE. */
export function appSettings(
  app: AppRequired & { [K in keyof AppOptional]?: AppOptional[K] | undefined },
): ImSettings {
  return {
    baseUrl: app.baseUrl,
    sdkAppId: app.sdkAppId,
    adminIdentifier: app.adminIdentifier,
    secretKey: app.secretKey,
    rateLimit: app.rateLimit ?? DEFAULT_RATE_LIMIT,
    checkRateLimit: app.checkRateLimit ?? DEFAULT_RATE_LIMIT,
    getRateLimit: app.getRateLimit ?? DEFAULT_RATE_LIMIT,
    updateRateLimit: app.updateRateLimit ?? DEFAULT_RATE_LIMIT,
    deleteRateLimit: app.deleteRateLimit ?? DEFAULT_RATE_LIMIT,
    accountCheckRateLimit: app.accountCheckRateLimit ?? DEFAULT_ACCOUNT_RATE_LIMIT,
    accountImportRateLimit: app.accountImportRateLimit ?? DEFAULT_ACCOUNT_RATE_LIMIT,
    batchSize: app.batchSize ?? MAX_ITEMS_PER_CALL,
    timeoutMs: app.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
}

/** The APIs whose calls the app coordinator paces, each at its own app-wide rate. */
export type RatedApi =
  | 'friend_import'
  | 'friend_check'
  | 'friend_get'
  | 'friend_update'
  | 'friend_delete'
  | 'account_check'
  | 'multiaccount_import';

/** The app's rate per API, as the app coordinator shares them out. */
export function appRates(s: ImSettings): Record<RatedApi, number> {
  return {
    friend_import: s.rateLimit,
    friend_check: s.checkRateLimit ?? DEFAULT_RATE_LIMIT,
    friend_get: s.getRateLimit ?? DEFAULT_RATE_LIMIT,
    friend_update: s.updateRateLimit ?? DEFAULT_RATE_LIMIT,
    friend_delete: s.deleteRateLimit ?? DEFAULT_RATE_LIMIT,
    account_check: s.accountCheckRateLimit ?? DEFAULT_ACCOUNT_RATE_LIMIT,
    multiaccount_import: s.accountImportRateLimit ?? DEFAULT_ACCOUNT_RATE_LIMIT,
  };
}

/** The settings without the secret key, for logs and status output. */
export function describeImSettings(s: ImSettings): Omit<ImSettings, 'secretKey'> & { secretKey: string } {
  return { ...s, secretKey: '[redacted]' };
}

/**
 * The IM settings a client of the library needs (`IM_SDKAPPID`, optional `IM_BATCH_SIZE`) — not
 * the secret key, which only the workers hold. Throws a {@link SettingsError} naming the variable.
 */
export function loadClientImSettings(env: Env): { sdkAppId: number; batchSize?: number } {
  const data = parseEnv(z.object({ IM_SDKAPPID: SDKAPPID, IM_BATCH_SIZE: BATCH_SIZE.optional() }), env);
  return {
    sdkAppId: data.IM_SDKAPPID,
    ...(data.IM_BATCH_SIZE !== undefined && { batchSize: data.IM_BATCH_SIZE }),
  };
}
