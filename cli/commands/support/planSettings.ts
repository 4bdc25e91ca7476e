/**
 * What a dry run's plan reads from the environment: the app's rates per API and IM_BATCH_SIZE, as
 * the workers read them (config/im.ts, docs/configuration.md). Only these: a dry run runs on a
 * client machine that has no IM secret, and needs none.
 */
import { z } from 'zod';
import { callsPerSecond, parseEnv, wholeNumber, type Env } from '../../../config/env.js';
import { DEFAULT_RATES, type Api } from '../../../core/plan.js';
import { MAX_ITEMS_PER_CALL } from '../../../im/schemas.js';

/** The variable that sets each API's rate. */
const RATE_VARIABLES = {
  friend_import: 'IM_RATE_LIMIT',
  friend_check: 'IM_CHECK_RATE_LIMIT',
  friend_get: 'IM_GET_RATE_LIMIT',
  friend_update: 'IM_UPDATE_RATE_LIMIT',
  friend_delete: 'IM_DELETE_RATE_LIMIT',
  account_check: 'IM_ACCOUNT_CHECK_RATE_LIMIT',
  multiaccount_import: 'IM_ACCOUNT_IMPORT_RATE_LIMIT',
} as const satisfies Record<Api, string>;

const PlanEnvSchema = z.object({
  ...Object.fromEntries(Object.values(RATE_VARIABLES).map((name) => [name, callsPerSecond(name).optional()])),
  IM_BATCH_SIZE: wholeNumber('IM_BATCH_SIZE', 1, MAX_ITEMS_PER_CALL).optional(),
});

export interface PlanSettings {
  rates: Record<Api, number>;
  batchSize: number;
}

/** The rates and batch size, defaults filled in; a SettingsError names every bad variable. */
export function loadPlanSettings(env: Env): PlanSettings {
  const data = parseEnv(PlanEnvSchema, env) as Record<string, number | undefined>;
  const rates = { ...DEFAULT_RATES };
  for (const [api, name] of Object.entries(RATE_VARIABLES) as [Api, string][]) {
    const rate = data[name];
    if (rate !== undefined) rates[api] = rate;
  }
  return { rates, batchSize: data.IM_BATCH_SIZE ?? MAX_ITEMS_PER_CALL };
}
