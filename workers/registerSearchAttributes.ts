/**
 * Our search attributes on a cluster: the dev server's flags only apply when a namespace is first
 * created, so an existing SQLite file, a production cluster or Temporal Cloud needs them added.
 */
import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../core/searchAttributes.js';

type Key = (typeof SEARCH_ATTRIBUTES)[number];

const INDEXED_VALUE_TYPE = proto.temporal.api.enums.v1.IndexedValueType;

/**
 * Registers our search attributes on `namespace` where they are missing; returns the names it added.
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: readonly Key[] = SEARCH_ATTRIBUTES,
): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = keys.filter((k) => !(k.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((k) => [k.name, INDEXED_VALUE_TYPE[`INDEXED_VALUE_TYPE_${k.type}` as const]]),
    ),
  });
  return missing.map((k) => k.name);
}
