/**
 * Structured JSON logs (pino) with secrets kept out: every value under a secret's name (the IM
 * secret key, UserSigs, API keys, passwords) is masked wherever it sits in a logged object, and
 * every UserSig in any string (messages, nested fields, errors and their stacks) is masked too.
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import { redactText } from '../im/node/url.js';

const SECRET_NAMES =
  /^(secretKey|apiKey|userSig|password|IM_SECRET_KEY|TEMPORAL_API_KEY|FRIEND_IMPORT_CODEC_KEYS)$/i;
const CENSOR = '[redacted]';
/** Deeper than this, a logged object is cut: logs carry small records, not whole states. */
const MAX_DEPTH = 8;

/** A copy of `value` with every secret masked (cycle-safe; errors become plain records). */
function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[deeper]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1, seen));
  if (value instanceof Date) return value;
  const source: Record<string, unknown> =
    value instanceof Error
      ? { ...value, type: value.name, message: value.message, stack: value.stack }
      : (value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(source))
    out[key] = SECRET_NAMES.test(key) && v !== undefined ? CENSOR : redactDeep(v, depth + 1, seen);
  if (value instanceof Error && value.cause !== undefined)
    out.cause = redactDeep(value.cause, depth + 1, seen);
  return out;
}

export function createLogger(level: string, destination: DestinationStream = pino.destination(2)): Pino {
  return pino(
    {
      level,
      base: { app: 'friend-import' },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => redactDeep(a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Adapts pino to the Temporal SDK's Logger, for Runtime.install. */
export function temporalLogger(log: Pino): Logger {
  const at =
    (level: LogLevel) =>
    (message: string, meta?: LogMetadata): void =>
      log[LEVELS[level]](meta ?? {}, redactText(message));
  return {
    log: (level, message, meta) => at(level)(message, meta),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
}
