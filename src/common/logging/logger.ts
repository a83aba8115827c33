import type { LoggerService } from '@nestjs/common';
import pino, { type Logger as PinoLogger } from 'pino';
import type { LogLevel } from '../../config/app-config';

const SECRET_LOG_KEYS = [
  'databaseUrl',
  'DATABASE_URL',
  'experimentTrackingUri',
  'EXPERIMENT_TRACKING_URI',
  'experimentTrackingToken',
  'EXPERIMENT_TRACKING_TOKEN',
  'featureStoreApiKey',
  'FEATURE_STORE_API_KEY',
  'notifySecret',
  'DEPLOYMENT_NOTIFY_SECRET',
];

const PINO_LEVEL: Record<LogLevel, pino.Level> = { DEBUG: 'debug', INFO: 'info', WARNING: 'warn', ERROR: 'error' };

/**
 * Structured JSON logs (one object per line) at LOG_LEVEL. Credentials are redacted
 * wherever they could appear, so an API key never reaches a log line.
 */
export function createRootLogger(level: LogLevel, destination?: pino.DestinationStream): PinoLogger {
  return pino(
    {
      level: PINO_LEVEL[level],
      base: { service: 'ml-workbench-service' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'headers.authorization',
          'headers["x-api-key"]',
          'req.headers.authorization',
          'req.headers["x-api-key"]',
          'apiKey',
          'api_key',
          'API_KEY',
          'config.apiKey',
          // The other secrets of AppConfig, should a config object or an env copy ever be logged.
          ...SECRET_LOG_KEYS,
          ...SECRET_LOG_KEYS.map((k) => `config.${k}`),
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** Nest's logger interface over pino, so framework and application logs share one format. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: PinoLogger) {}

  log(message: unknown, ...optional: unknown[]) {
    this.write('info', message, optional);
  }
  error(message: unknown, ...optional: unknown[]) {
    this.write('error', message, optional);
  }
  warn(message: unknown, ...optional: unknown[]) {
    this.write('warn', message, optional);
  }
  debug(message: unknown, ...optional: unknown[]) {
    this.write('debug', message, optional);
  }
  verbose(message: unknown, ...optional: unknown[]) {
    this.write('trace', message, optional);
  }
  fatal(message: unknown, ...optional: unknown[]) {
    this.write('fatal', message, optional);
  }

  private write(level: pino.Level, message: unknown, optional: unknown[]) {
    // Nest passes the context (a class name) last; an error's stack may precede it.
    const args = [...optional];
    const context = typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (typeof message === 'object' && message !== null) {
      const text = typeof args[0] === 'string' ? (args.shift() as string) : undefined;
      this.logger[level]({ ...fields, ...message }, text);
      return;
    }
    if (args.length && typeof args[0] === 'string' && level === 'error') fields.stack = args.shift();
    this.logger[level](fields, String(message));
  }
}
