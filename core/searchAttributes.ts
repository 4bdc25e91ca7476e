/**
 * Our custom search attributes: they make imports filterable in the Temporal UI
 * (e.g. `ImportFromAccount = "alice"`, `ImportJobId = "job-1" AND ImportState = "running"`).
 * Registered by our tooling (dev-server flags, or the operator API for an existing namespace).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const FromAccountKey = defineSearchAttributeKey('ImportFromAccount', SearchAttributeType.KEYWORD);
export const JobIdKey = defineSearchAttributeKey('ImportJobId', SearchAttributeType.KEYWORD);
export const StateKey = defineSearchAttributeKey('ImportState', SearchAttributeType.KEYWORD);
export const ImportedKey = defineSearchAttributeKey('ImportedItems', SearchAttributeType.INT);
export const FailedKey = defineSearchAttributeKey('FailedItems', SearchAttributeType.INT);

export const SEARCH_ATTRIBUTES = [FromAccountKey, JobIdKey, StateKey, ImportedKey, FailedKey] as const;
