/**
 * The answer shape the sns write calls friend_update and friend_delete share: the envelope, one
 * ResultItem per To_Account, and the failed accounts. Kept out of `schemas.ts` (which imports the
 * two call files for its COMMANDS table) so the modules do not import each other.
 */
import { z } from 'zod';

/** One To_Account's outcome: `ResultCode` 0 or the vendor code, `ResultInfo` its reason. */
export const SnsWriteResultItemSchema = z.looseObject({
  To_Account: z.string(),
  ResultCode: z.number().int(),
  ResultInfo: z.string().optional().default(''),
});
export type SnsWriteResultItem = z.infer<typeof SnsWriteResultItemSchema>;

/** Loose, like every response schema: the service may add fields. */
export const SnsWriteResponseSchema = z.looseObject({
  ActionStatus: z.enum(['OK', 'FAIL']),
  ErrorCode: z.number().int(),
  ErrorInfo: z.string().optional().default(''),
  ErrorDisplay: z.string().optional(),
  ResultItem: z.array(SnsWriteResultItemSchema).optional(),
  Fail_Account: z.array(z.string()).optional(),
});
