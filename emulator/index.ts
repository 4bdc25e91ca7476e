/**
 * The local Tencent IM REST emulator: `startEmulator(options)` serves the calls tim-friend-import
 * uses. It accepts what the real service accepts and enforces every rule the vendor documents, so
 * an importer that passes here passes against the real service. docs/emulator.md describes the
 * behaviour and the decisions behind it.
 */
import type { AddressInfo } from 'node:net';
import { DEFAULT_UPDATE_ITEMS_PER_CALL } from '../im/friendUpdateSchemas.js';
import { DEFAULT_MAX_BODY_BYTES } from './http.js';
import { FaultInjector, parseFaultPlan, type FaultPlan } from './faults.js';
import { FriendImportService } from './friendImportRoute.js';
import { FriendWriteService } from './friendWriteRoutes.js';
import { QueryAuth } from './queryAuth.js';
import { WindowLimiter } from './rateWindow.js';
import { createEmulatorServer, extrasTokenFor } from './server.js';
import { StatsCollector } from './stats.js';
import { Store } from './store.js';
import { EXISTING_FRIEND_MODES, type Emulator, type EmulatorOptions, type FriendRow } from './types.js';
import { apiLimiters, resolveWriteOptions } from './writeOptions.js';
import { RATE_LIMIT_CODES } from './vendor.js';

export type {
  Emulator,
  EmulatorOptions,
  EmulatorStats,
  ExistingFriendMode,
  FriendImportCall,
  FriendRow,
} from './types.js';
export { EXISTING_FRIEND_MODES, RATE_LIMITED_APIS, DELETE_NOT_FRIEND_CODES } from './types.js';
export type { RateLimitedApi, DeleteNotFriendCode } from './types.js';
export { API_RATE_DEFAULTS } from './writeOptions.js';
export {
  FaultPlanSchema,
  parseFaultPlan,
  type FaultPlan,
  type FaultRule,
  type ResolvedFaultPlan,
} from './faults.js';
export { RATE_LIMIT_CODES, type RateLimitCode } from './vendor.js';

export const EMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  rateLimit: 200,
  rateLimitCode: 60007,
  writeLatencyMs: 0,
  maxFriends: 3000,
  maxGroups: 32,
  friendGetPageSize: 100,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  existingFriend: 'overwrite',
  maxUpdateItems: DEFAULT_UPDATE_ITEMS_PER_CALL,
  deleteNotFriendCode: 31704,
} as const;

function nonNegativeInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a whole number ≥ 0, got ${v}`);
  return v;
}

function validate(o: EmulatorOptions): void {
  if (!Number.isInteger(o.sdkAppId) || o.sdkAppId <= 0)
    throw new RangeError('sdkAppId must be a positive integer');
  if (o.adminIdentifiers.length === 0 || o.adminIdentifiers.some((a) => a.length === 0))
    throw new RangeError('adminIdentifiers must name at least one admin');
  if (o.secretKey.length === 0) throw new RangeError('secretKey must not be empty');
  if (o.rateLimitCode !== undefined && !(RATE_LIMIT_CODES as readonly number[]).includes(o.rateLimitCode))
    throw new RangeError(`rateLimitCode must be one of ${RATE_LIMIT_CODES.join(', ')}`);
  if (
    o.existingFriend !== undefined &&
    !(EXISTING_FRIEND_MODES as readonly string[]).includes(o.existingFriend)
  )
    throw new RangeError(`existingFriend must be one of ${EXISTING_FRIEND_MODES.join(', ')}`);
}

/** Starts an emulator and resolves once it listens. */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  validate(options);
  const host = options.host ?? EMULATOR_DEFAULTS.host;
  const rateLimit = nonNegativeInt('rateLimit', options.rateLimit, EMULATOR_DEFAULTS.rateLimit);
  const maxFriends = nonNegativeInt('maxFriends', options.maxFriends, EMULATOR_DEFAULTS.maxFriends);
  const maxGroups = nonNegativeInt('maxGroups', options.maxGroups, EMULATOR_DEFAULTS.maxGroups);
  const pageSize = nonNegativeInt(
    'friendGetPageSize',
    options.friendGetPageSize,
    EMULATOR_DEFAULTS.friendGetPageSize,
  );
  const writeLatencyMs = nonNegativeInt(
    'writeLatencyMs',
    options.writeLatencyMs,
    EMULATOR_DEFAULTS.writeLatencyMs,
  );
  const maxBodyBytes = nonNegativeInt('maxBodyBytes', options.maxBodyBytes, EMULATOR_DEFAULTS.maxBodyBytes);
  if (pageSize === 0) throw new RangeError('friendGetPageSize must be at least 1');
  const existingFriend = options.existingFriend ?? EMULATOR_DEFAULTS.existingFriend;
  const extrasToken = extrasTokenFor(host, options.extrasToken);

  let injector = options.faults ? new FaultInjector(parseFaultPlan(options.faults)) : undefined;
  let faultN = 0;
  const store = new Store(options.dbFile, options.sdkAppId);
  if (options.accounts?.length) store.seedAccounts(options.accounts, false);
  if (options.foreignAccounts?.length) store.seedAccounts(options.foreignAccounts, true);
  const stats = new StatsCollector(options.recordCalls ?? false);
  const writeOptions = resolveWriteOptions(options);
  const rateLimitCode = options.rateLimitCode ?? EMULATOR_DEFAULTS.rateLimitCode;
  const routeLimiters = apiLimiters(writeOptions.apiRateLimits);
  const sensitiveWords = (options.sensitiveWords ?? [])
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
  // friend_import and the other writes each ask whether the other side is busy (only once serving).
  const writes = new FriendWriteService({
    store,
    stats,
    limiters: routeLimiters,
    rateLimitCode,
    writeLatencyMs,
    update: {
      maxItems: writeOptions.maxUpdateItems,
      maxGroups,
      sensitiveWords,
      customTags: writeOptions.customTags,
    },
    deleteNotFriendCode: writeOptions.deleteNotFriendCode,
    importBusy: (from): boolean => friendImport.busy(from),
  });
  const friendImport = new FriendImportService({
    store,
    stats,
    limiter: new WindowLimiter(rateLimit, 1000),
    rateLimitCode,
    writeLatencyMs,
    rules: {
      accountKind: (id) => store.accountKind(id),
      sensitiveWords,
      maxFriends,
      maxGroups,
      existingFriend,
    },
    faults: () => injector,
    otherWriteBusy: (from): boolean => writes.busy(from),
  });
  const setFaults = (plan: FaultPlan | undefined): void => {
    injector = plan ? new FaultInjector(parseFaultPlan(plan)) : undefined;
    faultN = 0;
  };
  const startedAt = Date.now();
  const server = createEmulatorServer({
    auth: new QueryAuth({
      sdkAppId: options.sdkAppId,
      adminIdentifiers: new Set(options.adminIdentifiers),
      secretKey: options.secretKey,
    }),
    stats,
    friendImport,
    companions: { store, pageSize, busy: (from) => friendImport.busy(from) || writes.busy(from) },
    friendWrites: writes,
    routeLimiters,
    rateLimitCode,
    maxBodyBytes,
    setFaults: (plan) => setFaults(plan as FaultPlan | undefined),
    nextFaultN: () => ++faultN,
    ...(extrasToken !== undefined && { extrasToken }),
    health: () => {
      const cpu = process.cpuUsage();
      return {
        ok: true,
        sdkAppId: options.sdkAppId,
        uptimeMs: Date.now() - startedAt,
        faults: injector !== undefined,
        existingFriend,
        process: { cpuMs: (cpu.user + cpu.system) / 1000, rssBytes: process.memoryUsage.rss() },
      };
    },
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    store.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  let closing: Promise<void> | undefined;

  return {
    baseUrl,
    port,
    ...(extrasToken !== undefined && { extrasToken }),
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    setFaults,
    seedAccounts: (ids, opts) => store.seedAccounts(ids, opts?.foreign ?? false),
    friendsOf: (from) =>
      [...store.friends(from).values()].map(({ item }): FriendRow => ({ From_Account: from, ...item })),
    calls: () => stats.calls(),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        friendImport.close();
        writes.close();
        server.close(() => {
          store.close();
          resolve();
        });
        server.closeAllConnections();
      })),
  };
}
