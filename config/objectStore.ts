/**
 * How to reach the S3-compatible store that holds `s3://` sources and reports
 * (docs/configuration.md, object storage): the standard AWS variables. Credentials are not read
 * here: the AWS SDK's default chain finds them (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
 * AWS_PROFILE, …), so no secret passes through our settings. Read only when an `s3://` location is
 * used: a job of local files needs none of this.
 */
import { z } from 'zod';
import { parseEnv, type Env } from './env.js';

const url = (name: string) =>
  z.string().refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
    error: `${name} must be an http:// or https:// URL`,
  });

const ObjectStoreEnvSchema = z.object({
  /** The S3 endpoint alone (wins over AWS_ENDPOINT_URL, as in the AWS SDKs). */
  AWS_ENDPOINT_URL_S3: url('AWS_ENDPOINT_URL_S3').optional(),
  /** Every AWS service's endpoint: here, the store's. */
  AWS_ENDPOINT_URL: url('AWS_ENDPOINT_URL').optional(),
  AWS_REGION: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'AWS_REGION must be a region name such as us-east-1')
    .optional(),
});

export interface ObjectStoreSettings {
  /** Undefined: AWS S3 itself, at the region's endpoint. */
  endpoint?: string;
  /** Undefined: the SDK's own lookup (AWS_PROFILE's region, …). */
  region?: string;
  /** Buckets as a path segment: any endpoint that is not AWS's own. */
  forcePathStyle: boolean;
}

export function loadObjectStoreSettings(env: Env): ObjectStoreSettings {
  const e = parseEnv(ObjectStoreEnvSchema, env);
  const endpoint = e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL;
  const aws = endpoint !== undefined && /(^|\.)amazonaws\.com(\.cn)?$/.test(new URL(endpoint).hostname);
  const region = e.AWS_REGION ?? (endpoint !== undefined ? 'us-east-1' : undefined);
  return {
    ...(endpoint !== undefined && { endpoint }),
    ...(region !== undefined && { region }),
    forcePathStyle: endpoint !== undefined && !aws,
  };
}
