/**
 * `v4/sns/friend_update`: changes the relationship fields (remark, groups, custom fields) of some
 * existing friends of one user in one call. The rules are in docs/emulator.md (friend_update).
 */
import { z } from 'zod';
import { SnsWriteResponseSchema } from './snsWriteShapes.js';

/**
 * How many UpdateItem a call carries by default. The vendor states no cap for friend_update, so
 * callers keep it configurable and the emulator's cap is a flag (docs/emulator.md).
 */
export const DEFAULT_UPDATE_ITEMS_PER_CALL = 100;

export const REMARK_TAG = 'Tag_SNS_IM_Remark';
export const GROUP_TAG = 'Tag_SNS_IM_Group';
export const CUSTOM_TAG_PREFIX = 'Tag_SNS_Custom_';

export const RemarkSnsItemSchema = z.strictObject({ Tag: z.literal(REMARK_TAG), Value: z.string() });
/** The friend's whole group list: it replaces the groups the friend was in. */
export const GroupSnsItemSchema = z.strictObject({ Tag: z.literal(GROUP_TAG), Value: z.array(z.string()) });
/** A custom friend field (configured for the app); integers are accepted as friend_import does. */
export const CustomSnsItemSchema = z.strictObject({
  Tag: z.string().startsWith(CUSTOM_TAG_PREFIX),
  Value: z.union([z.string(), z.number().int()]),
});

export const SnsItemSchema = z.union([RemarkSnsItemSchema, GroupSnsItemSchema, CustomSnsItemSchema]);
export type SnsItem = z.infer<typeof SnsItemSchema>;

export const UpdateItemSchema = z.strictObject({
  To_Account: z.string(),
  SnsItem: z.array(SnsItemSchema).min(1),
});
export type UpdateItem = z.infer<typeof UpdateItemSchema>;

/** No upper bound here: the cap is the caller's setting (default `DEFAULT_UPDATE_ITEMS_PER_CALL`). */
export const FriendUpdateRequestSchema = z.strictObject({
  From_Account: z.string(),
  UpdateItem: z.array(UpdateItemSchema).min(1),
});
export type FriendUpdateRequest = z.infer<typeof FriendUpdateRequestSchema>;

export const FriendUpdateResponseSchema = SnsWriteResponseSchema;
export type FriendUpdateResponse = z.infer<typeof FriendUpdateResponseSchema>;
