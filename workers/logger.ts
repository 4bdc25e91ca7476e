/**
 * Structured JSON logs (pino) with secrets kept out: the IM secret key, UserSigs and API keys are
 * redacted by path, and any `usersig=…` in a message is masked.
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { pino, type Logger as Pino } from 'pino';
import { redactText } from '../im/node/url.js';

export function createLogger(level: string): Pino {
  return pino(
    {
      level,
      base: { app: 'friend-import' },
      redact: {
        paths: [
          'secretKey',
          '*.secretKey',
          'apiKey',
          '*.apiKey',
          'userSig',
          '*.userSig',
          'usersig',
          '*.usersig',
        ],
        censor: '[redacted]',
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    pino.destination(2),
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
