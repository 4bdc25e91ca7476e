/**
 * How this process reaches its object store: registered by the entry point (the worker, the CLI)
 * from config/objectStore.ts, read only when an `s3://` location is first used. Kept apart from the
 * client so registering it loads no SDK.
 */

/** What the client is built from (config/objectStore.ts parses it from the AWS_* variables). */
export interface ObjectStoreClientSettings {
  endpoint?: string;
  region?: string;
  forcePathStyle: boolean;
}

let loadSettings: (() => ObjectStoreClientSettings) | undefined;
let generation = 0;

/** Registers how to read the settings; read (and checked) only when a store is first used. */
export function configureObjectStore(load: () => ObjectStoreClientSettings): void {
  loadSettings = load;
  generation++;
}

/** A number that changes each time settings are registered. */
export const settingsGeneration = (): number => generation;

/** The registered settings, read now, and their generation. */
export function objectStoreSettings(): { settings: ObjectStoreClientSettings; generation: number } {
  if (!loadSettings)
    throw new Error('object storage is not configured in this process (configureObjectStore was not called)');
  return { settings: loadSettings(), generation };
}
