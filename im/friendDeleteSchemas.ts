/**
 * `v4/sns/friend_delete`: removes some friends of one user, one-way by default or both ways. The
 * rules are in docs/emulator.md (friend_delete).
 */
import { z } from 'zod';
import { SnsWriteResponseSchema } from './snsWriteShapes.js';

/** The vendor's cap on To_Account per friend_delete call. */
export const MAX_DELETE_ACCOUNTS_PER_CALL = 1000;

/** `Delete_Type_Single` (the default) removes To_Account from From_Account's list only. */
export const DELETE_TYPES = ['Delete_Type_Single', 'Delete_Type_Both'] as const;
export type DeleteType = (typeof DELETE_TYPES)[number];

export const FriendDeleteRequestSchema = z.strictObject({
  From_Account: z.string(),
  To_Account: z.array(z.string()).min(1).max(MAX_DELETE_ACCOUNTS_PER_CALL),
  DeleteType: z.enum(DELETE_TYPES).optional(),
});
export type FriendDeleteRequest = z.infer<typeof FriendDeleteRequestSchema>;

export const FriendDeleteResponseSchema = SnsWriteResponseSchema;
export type FriendDeleteResponse = z.infer<typeof FriendDeleteResponseSchema>;
