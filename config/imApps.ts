/**
 * Several IM apps for one worker fleet (docs/configuration.md, "Several IM apps"): `IM_APPS_FILE`
 * names a JSON file — so a secret store can mount it — holding an array of apps, each with the
 * settings the single-app variables give. Validated once at start-up; every problem names the entry
 * and the field (`IM_APPS_FILE[1].secretKey: …`) and no message ever carries a secret.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MAX_TIMEOUT_MS, MIN_TIMEOUT_MS } from '../im/node/client.js';
import { utf8Length } from '../im/limits.js';
import { MAX_ITEMS_PER_CALL } from '../im/schemas.js';
import { regionBaseUrl, REGIONS, type Region } from '../im/node/url.js';
import { SettingsError, type Env } from './env.js';
import { appSettings, loadImSettings, type ImSettings } from './im.js';

const FILE = 'IM_APPS_FILE';

/** The single-app variables an apps file replaces: set beside it, which one wins would be a guess. */
const SINGLE_APP_VARIABLES = [
  'IM_SDKAPPID',
  'IM_SECRET_KEY',
  'IM_ADMIN_IDENTIFIER',
  'IM_BASE_URL',
  'IM_REGION',
  'IM_RATE_LIMIT',
  'IM_CHECK_RATE_LIMIT',
  'IM_GET_RATE_LIMIT',
  'IM_UPDATE_RATE_LIMIT',
  'IM_DELETE_RATE_LIMIT',
  'IM_ACCOUNT_CHECK_RATE_LIMIT',
  'IM_ACCOUNT_IMPORT_RATE_LIMIT',
  'IM_BATCH_SIZE',
  'IM_TIMEOUT_MS',
] as const;

const rate = z.number({ error: 'must be a number of calls per second' }).positive('must be above 0');

const AppSchema = z
  .strictObject(
    {
      sdkAppId: z
        .number({ error: 'must be a whole number' })
        .int('must be a whole number')
        .min(1, 'must be 1 or more')
        .max(Number.MAX_SAFE_INTEGER, 'is too large'),
      baseUrl: z
        .string({ error: 'must be a string' })
        .trim()
        .refine(
          (v) => /^https?:\/\/[^/]+/.test(v),
          'must be an http(s) URL, e.g. https://adminapisgp.im.qcloud.com',
        )
        .optional(),
      region: z
        .enum(REGIONS as [Region, ...Region[]], { error: `must be one of: ${REGIONS.join(', ')}` })
        .optional(),
      adminIdentifier: z
        .string({ error: 'must be a string' })
        .trim()
        .min(1, 'must not be empty')
        .refine((v) => utf8Length(v) <= 32, 'is a UserID: at most 32 bytes'),
      secretKey: z.string({ error: 'must be a string' }).min(1, 'must not be empty'),
      rateLimit: rate.optional(),
      checkRateLimit: rate.optional(),
      updateRateLimit: rate.optional(),
      deleteRateLimit: rate.optional(),
      accountCheckRateLimit: rate.optional(),
      accountImportRateLimit: rate.optional(),
      getRateLimit: rate.optional(),
      batchSize: z
        .number({ error: 'must be a whole number' })
        .int('must be a whole number')
        .min(1, `must be 1–${MAX_ITEMS_PER_CALL}`)
        .max(MAX_ITEMS_PER_CALL, `must be 1–${MAX_ITEMS_PER_CALL}`)
        .optional(),
      timeoutMs: z
        .number({ error: 'must be a whole number of milliseconds' })
        .int('must be a whole number of milliseconds')
        .min(MIN_TIMEOUT_MS, `must be at least ${MIN_TIMEOUT_MS}: the service may take 3 s`)
        .max(MAX_TIMEOUT_MS, `must be at most ${MAX_TIMEOUT_MS}: one friendImport attempt is given 30 s`)
        .optional(),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object' : undefined) },
  )
  .superRefine((app, ctx) => {
    if (app.baseUrl !== undefined && app.region !== undefined)
      ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'set either baseUrl or region, not both' });
    if (app.baseUrl === undefined && app.region === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['baseUrl'],
        message: `baseUrl or region is required (regions: ${REGIONS.join(', ')})`,
      });
  });

type AppEntry = z.infer<typeof AppSchema>;

/** The value at `path` in `json` (zod's issues do not carry it). */
function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let v = json;
  for (const p of path)
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** `where` followed by `[i].field` as the issue says, and its message. */
function problemOf(where: string, issue: z.core.$ZodIssue, json: unknown): string {
  const path = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  const field = `${where}${path ? (path.startsWith('[') ? path : `.${path}`) : ''}`;
  if (issue.code === 'invalid_type' && valueAt(json, issue.path) === undefined)
    return `${field} is required but not set`;
  if (issue.code === 'unrecognized_keys')
    return `${field} has unknown field(s) ${issue.keys.join(', ')} (expected sdkAppId, baseUrl or region, adminIdentifier, secretKey, rateLimit, checkRateLimit, getRateLimit, updateRateLimit, deleteRateLimit, accountCheckRateLimit, accountImportRateLimit, batchSize, timeoutMs)`;
  return `${field}: ${issue.message}`;
}

function settingsOf(app: AppEntry): ImSettings {
  return appSettings({ ...app, baseUrl: app.baseUrl ?? regionBaseUrl(app.region as Region) });
}

/** Every string that may be a secret in `json`, so no message can carry one even by accident. */
function secretsIn(json: unknown): string[] {
  if (!Array.isArray(json)) return [];
  return json.flatMap((e) => {
    const key = (e as { secretKey?: unknown } | null)?.secretKey;
    return typeof key === 'string' && key.length > 0 ? [key] : [];
  });
}

/**
 * The apps of a parsed apps file: an array of at least one app, SDKAppIDs distinct. Throws a
 * {@link SettingsError} listing every problem, each named `IM_APPS_FILE[i].field`.
 */
export function parseImApps(json: unknown, where = FILE): ImSettings[] {
  const problems: string[] = [];
  if (!Array.isArray(json)) problems.push(`${where} must hold a JSON array of apps ([{"sdkAppId": …}, …])`);
  else if (json.length === 0) problems.push(`${where} must list at least one app`);
  else {
    const parsed = z.array(AppSchema).safeParse(json);
    if (!parsed.success) problems.push(...parsed.error.issues.map((i) => problemOf(where, i, json)));
    else {
      const first = new Map<number, number>();
      parsed.data.forEach((app, i) => {
        const seen = first.get(app.sdkAppId);
        if (seen === undefined) first.set(app.sdkAppId, i);
        else
          problems.push(
            `${where}[${i}].sdkAppId: ${app.sdkAppId} is already ${where}[${seen}]; each app is listed once`,
          );
      });
      if (problems.length === 0) return parsed.data.map(settingsOf);
    }
  }
  const secrets = secretsIn(json);
  throw new SettingsError(
    problems.map((p) => secrets.reduce((text, s) => text.split(s).join('[redacted]'), p)),
  );
}

/** Why the apps file cannot be read or parsed, in words that quote none of its content. */
function readApps(path: string, readFile: (path: string) => string): unknown {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${code})`;
    throw new SettingsError([`${FILE} ${path} ${why}`]);
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    // The parser's own message may quote the text around the error, a secret included.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new SettingsError([`${FILE} ${path} is not valid JSON${at ? ` (at character ${at})` : ''}`]);
  }
}

const isSet = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

/**
 * The IM apps a worker serves: the apps of `IM_APPS_FILE` when it is set, else the one app of the
 * IM_* variables (config/im.ts). Both at once are refused, naming the variables set.
 */
export function loadImApps(env: Env, options: { readFile?: (path: string) => string } = {}): ImSettings[] {
  const file = env[FILE];
  if (!isSet(file)) return [loadImSettings(env)];
  const both = SINGLE_APP_VARIABLES.filter((name) => isSet(env[name]));
  if (both.length > 0)
    throw new SettingsError([
      `${FILE} lists the apps with their settings, so ${both.join(', ')} must not be set beside it: unset ${both.length === 1 ? 'it' : 'them'}, or unset ${FILE} to serve the one app of the IM_* variables`,
    ]);
  return parseImApps(readApps(file.trim(), options.readFile ?? ((p) => readFileSync(p, 'utf8'))));
}
