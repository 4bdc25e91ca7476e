/**
 * Request and response shapes of the Tencent IM REST calls we use, as zod schemas.
 * They are the single source of truth: every TypeScript type below is inferred from them.
 *
 * Request schemas check structure (types and required fields) the way the service does before it
 * looks at any item; the byte limits (validated input, docs/architecture.md) are `limits.ts`'s.
 * Response schemas are loose objects: the service may add fields and we must not break on them.
 */
import { z } from 'zod';
import { FriendDeleteRequestSchema, FriendDeleteResponseSchema } from './friendDeleteSchemas.js';
import { FriendUpdateRequestSchema, FriendUpdateResponseSchema } from './friendUpdateSchemas.js';

/** Every REST response carries this envelope (ActionStatus, ErrorCode, ErrorInfo). */
export const EnvelopeSchema = z.looseObject({
  ActionStatus: z.enum(['OK', 'FAIL']),
  ErrorCode: z.number().int(),
  ErrorInfo: z.string().optional().default(''),
  ErrorDisplay: z.string().optional(),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

// ---------------------------------------------------------------- friend_import

export const CustomItemSchema = z.strictObject({
  Tag: z.string(),
  Value: z.union([z.string(), z.number().int()]),
});
export type CustomItem = z.infer<typeof CustomItemSchema>;

/** One `AddFriendItem` entry (the vendor's basic, complete and batch request forms). */
export const AddFriendItemSchema = z.strictObject({
  To_Account: z.string(),
  AddSource: z.string(),
  Remark: z.string().optional(),
  RemarkTime: z.number().int().nonnegative().optional(),
  GroupName: z.array(z.string()).optional(),
  AddWording: z.string().optional(),
  AddTime: z.number().int().nonnegative().optional(),
  CustomItem: z.array(CustomItemSchema).optional(),
});
export type AddFriendItem = z.infer<typeof AddFriendItemSchema>;

export const MAX_ITEMS_PER_CALL = 1000;

export const FriendImportRequestSchema = z.strictObject({
  From_Account: z.string(),
  AddFriendItem: z.array(AddFriendItemSchema).min(1).max(MAX_ITEMS_PER_CALL),
});
export type FriendImportRequest = z.infer<typeof FriendImportRequestSchema>;

export const ResultItemSchema = z.looseObject({
  To_Account: z.string(),
  ResultCode: z.number().int(),
  ResultInfo: z.string().optional().default(''),
});
export type ResultItem = z.infer<typeof ResultItemSchema>;

export const FriendImportResponseSchema = EnvelopeSchema.extend({
  ResultItem: z.array(ResultItemSchema).optional(),
  Fail_Account: z.array(z.string()).optional(),
  Invalid_Account: z.array(z.string()).optional(),
});
export type FriendImportResponse = z.infer<typeof FriendImportResponseSchema>;

// ---------------------------------------------------------------- accounts

export const AccountImportRequestSchema = z.strictObject({
  UserID: z.string(),
  Nick: z.string().optional(),
  FaceUrl: z.string().optional(),
});
export type AccountImportRequest = z.infer<typeof AccountImportRequestSchema>;
export const AccountImportResponseSchema = EnvelopeSchema;
export type AccountImportResponse = z.infer<typeof AccountImportResponseSchema>;

export const MAX_ACCOUNTS_PER_CALL = 100;

/** multiaccount_import accepts the old (`Accounts`) and the new (`AccountList`) body. */
export const MultiAccountImportRequestSchema = z.union([
  z.strictObject({ Accounts: z.array(z.string()).min(1).max(MAX_ACCOUNTS_PER_CALL) }),
  z.strictObject({
    AccountList: z.array(AccountImportRequestSchema).min(1).max(MAX_ACCOUNTS_PER_CALL),
  }),
]);
export type MultiAccountImportRequest = z.infer<typeof MultiAccountImportRequestSchema>;
export const MultiAccountImportResponseSchema = EnvelopeSchema.extend({
  FailAccounts: z.array(z.string()).optional(),
});
export type MultiAccountImportResponse = z.infer<typeof MultiAccountImportResponseSchema>;

export const AccountCheckRequestSchema = z.strictObject({
  CheckItem: z
    .array(z.strictObject({ UserID: z.string() }))
    .min(1)
    .max(MAX_ACCOUNTS_PER_CALL),
});
export type AccountCheckRequest = z.infer<typeof AccountCheckRequestSchema>;
export const AccountCheckResponseSchema = EnvelopeSchema.extend({
  ResultItem: z
    .array(
      z.looseObject({
        UserID: z.string(),
        ResultCode: z.number().int(),
        ResultInfo: z.string().optional().default(''),
        AccountStatus: z.enum(['Imported', 'NotImported']),
      }),
    )
    .optional(),
});
export type AccountCheckResponse = z.infer<typeof AccountCheckResponseSchema>;

// ---------------------------------------------------------------- friend_get / check / delete_all

export const FriendGetRequestSchema = z.strictObject({
  From_Account: z.string(),
  StartIndex: z.number().int().nonnegative(),
  StandardSequence: z.number().int().nonnegative().optional(),
  CustomSequence: z.number().int().nonnegative().optional(),
});
export type FriendGetRequest = z.infer<typeof FriendGetRequestSchema>;

export const ValueItemSchema = z.looseObject({
  Tag: z.string(),
  Value: z.union([z.string(), z.number(), z.array(z.string())]),
});
export type ValueItem = z.infer<typeof ValueItemSchema>;

export const FriendGetResponseSchema = EnvelopeSchema.extend({
  UserDataItem: z
    .array(z.looseObject({ To_Account: z.string(), ValueItem: z.array(ValueItemSchema) }))
    .optional(),
  StandardSequence: z.number().int().optional(),
  CustomSequence: z.number().int().optional(),
  FriendNum: z.number().int().optional(),
  CompleteFlag: z.number().int().optional(),
  NextStartIndex: z.number().int().optional(),
});
export type FriendGetResponse = z.infer<typeof FriendGetResponseSchema>;

export const CHECK_TYPES = ['CheckResult_Type_Single', 'CheckResult_Type_Both'] as const;
export const RELATIONS = [
  'CheckResult_Type_BothWay',
  'CheckResult_Type_AWithB',
  'CheckResult_Type_BWithA',
  'CheckResult_Type_NoRelation',
] as const;

export const FriendCheckRequestSchema = z.strictObject({
  From_Account: z.string(),
  To_Account: z.array(z.string()).min(1).max(MAX_ITEMS_PER_CALL),
  CheckType: z.enum(CHECK_TYPES),
});
export type FriendCheckRequest = z.infer<typeof FriendCheckRequestSchema>;
export const FriendCheckResponseSchema = EnvelopeSchema.extend({
  InfoItem: z
    .array(
      z.looseObject({
        To_Account: z.string(),
        Relation: z.enum(RELATIONS),
        ResultCode: z.number().int(),
        ResultInfo: z.string().optional().default(''),
      }),
    )
    .optional(),
  Fail_Account: z.array(z.string()).optional(),
});
export type FriendCheckResponse = z.infer<typeof FriendCheckResponseSchema>;

export const FriendDeleteAllRequestSchema = z.strictObject({
  From_Account: z.string(),
  DeleteType: z.enum(['Delete_Type_Single', 'Delete_Type_Both']).optional(),
});
export type FriendDeleteAllRequest = z.infer<typeof FriendDeleteAllRequestSchema>;
export const FriendDeleteAllResponseSchema = EnvelopeSchema;
export type FriendDeleteAllResponse = z.infer<typeof FriendDeleteAllResponseSchema>;

/** The REST commands we call, with their request and response schemas. */
export const COMMANDS = {
  friendImport: {
    path: 'v4/sns/friend_import',
    request: FriendImportRequestSchema,
    response: FriendImportResponseSchema,
  },
  accountImport: {
    path: 'v4/im_open_login_svc/account_import',
    request: AccountImportRequestSchema,
    response: AccountImportResponseSchema,
  },
  multiAccountImport: {
    path: 'v4/im_open_login_svc/multiaccount_import',
    request: MultiAccountImportRequestSchema,
    response: MultiAccountImportResponseSchema,
  },
  accountCheck: {
    path: 'v4/im_open_login_svc/account_check',
    request: AccountCheckRequestSchema,
    response: AccountCheckResponseSchema,
  },
  friendGet: {
    path: 'v4/sns/friend_get',
    request: FriendGetRequestSchema,
    response: FriendGetResponseSchema,
  },
  friendCheck: {
    path: 'v4/sns/friend_check',
    request: FriendCheckRequestSchema,
    response: FriendCheckResponseSchema,
  },
  friendDeleteAll: {
    path: 'v4/sns/friend_delete_all',
    request: FriendDeleteAllRequestSchema,
    response: FriendDeleteAllResponseSchema,
  },
  friendUpdate: {
    path: 'v4/sns/friend_update',
    request: FriendUpdateRequestSchema,
    response: FriendUpdateResponseSchema,
  },
  friendDelete: {
    path: 'v4/sns/friend_delete',
    request: FriendDeleteRequestSchema,
    response: FriendDeleteResponseSchema,
  },
} as const;
export type CommandName = keyof typeof COMMANDS;
export type RequestOf<C extends CommandName> = z.input<(typeof COMMANDS)[C]['request']>;
export type ResponseOf<C extends CommandName> = z.infer<(typeof COMMANDS)[C]['response']>;
