import { HttpException } from '@nestjs/common';
import {
  AppError,
  BadRequestError,
  InsufficientStorageError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
} from './app-error';

const INTERNAL = new AppError(
  500,
  'InternalServerError',
  'INTERNAL_ERROR',
  'An unexpected error occurred; quote the correlation id when reporting it',
);

/** Connection-level failures of PostgreSQL / the pool that mean "database unavailable", not "bug". */
const DB_UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

function isDatabaseUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = errorCode(e);
  if (code && DB_UNAVAILABLE_CODES.has(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(
    e.message,
  );
}

/** PostgreSQL's disk_full (53100) and the OS's "no space left" / "quota exceeded". */
const STORAGE_FULL_CODES = new Set(['53100', 'ENOSPC', 'EDQUOT']);

function errorCode(e: unknown): string | undefined {
  // Duck-typed: errors from Node's own modules can come from another realm (vm, Jest).
  if (typeof e !== 'object' || e === null) return undefined;
  return (e as { code?: string }).code ?? (e as { driverError?: { code?: string } }).driverError?.code;
}

/** True when `e` says the database or a local volume is out of space. */
export function isStorageFull(e: unknown): boolean {
  const code = errorCode(e);
  return code !== undefined && STORAGE_FULL_CODES.has(code);
}

/** Map anything thrown (AppError, Nest HttpException, Fastify errors, driver errors) to an AppError. */
export function toAppError(exception: unknown): AppError {
  if (exception instanceof AppError) return exception;

  // Fastify's own errors (body parsing, size limit, content type) carry a statusCode and a code.
  const fastifyLike = exception as { statusCode?: number; code?: string; message?: string };
  if (
    !(exception instanceof HttpException) &&
    typeof fastifyLike?.statusCode === 'number' &&
    typeof fastifyLike.code === 'string' &&
    fastifyLike.code.startsWith('FST_')
  ) {
    if (fastifyLike.statusCode === 414)
      return new AppError(
        414,
        'BadRequestError',
        'URI_TOO_LONG',
        'A path parameter is longer than this service accepts (100 characters)',
      );
    if (fastifyLike.statusCode === 413)
      return new PayloadTooLargeError('Request body is larger than this route accepts', {
        fastify_code: fastifyLike.code,
      });
    if (fastifyLike.statusCode === 415)
      return new AppError(
        415,
        'BadRequestError',
        'UNSUPPORTED_MEDIA_TYPE',
        fastifyLike.message ?? 'Unsupported content type',
      );
    if (fastifyLike.statusCode === 400)
      return new BadRequestError(
        describeBadBody(fastifyLike.message),
        { fastify_code: fastifyLike.code },
        fastifyLike.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/i.test(fastifyLike.message ?? '')
          ? 'MALFORMED_JSON'
          : 'BAD_REQUEST',
      );
  }
  if (exception instanceof SyntaxError && /JSON/.test(exception.message)) {
    return new BadRequestError(`Malformed JSON body: ${exception.message}`, null, 'MALFORMED_JSON');
  }

  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message = messageText(
      typeof response === 'string' ? response : (response as { message?: unknown }).message,
      exception.message,
    );
    if (status === 404)
      return new NotFoundError(
        /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)/.test(message)
          ? `No route ${message.replace(/^Cannot /, '')}`
          : message,
        null,
        'ROUTE_NOT_FOUND',
      );
    if (status === 413) return new PayloadTooLargeError(message);
    if (status === 400)
      return /JSON/.test(message)
        ? new BadRequestError(`Malformed JSON body: ${message}`, null, 'MALFORMED_JSON')
        : new BadRequestError(message);
    if (status === 503)
      return new ServiceUnavailableError(
        message,
        typeof response === 'object' ? (response as Record<string, unknown>) : null,
      );
    if (status >= 500) return INTERNAL;
    return new AppError(
      status,
      exception.name.replace(/Exception$/, 'Error'),
      exception.name
        .replace(/Exception$/, '')
        .replace(/([a-z])([A-Z])/g, '$1_$2')
        .toUpperCase(),
      message,
    );
  }

  if (isStorageFull(exception)) {
    return new InsufficientStorageError(
      errorCode(exception) === '53100'
        ? 'The database ran out of disk space; the request was not completed (its transaction was rolled back). Free space on the database volume and retry'
        : 'A volume the service writes to is full; the request was not completed. Free space and retry',
      { reason: errorCode(exception) === '53100' ? 'database_disk_full' : 'disk_full' },
    );
  }
  if (isDatabaseUnavailable(exception)) {
    return new ServiceUnavailableError('The database is unavailable; retry shortly', null, 'DATABASE_UNAVAILABLE');
  }
  return INTERNAL;
}

function describeBadBody(message: string | undefined): string {
  if (!message) return 'The request body could not be read';
  if (/JSON/i.test(message) || /Unexpected|token/i.test(message)) return `Malformed JSON body: ${message}`;
  return message;
}

/**
 * An HttpException's `message` as text. Nest's own exceptions carry a string here, or from
 * ValidationPipe a list of strings (comma-joined, as String() joins a list); an object a
 * thrower put there is shown as JSON rather than "[object Object]".
 */
function messageText(given: unknown, fallback: string): string {
  if (typeof given === 'string') return given;
  if (Array.isArray(given)) return given.join(',');
  if (typeof given === 'number' || typeof given === 'boolean' || typeof given === 'bigint') return String(given);
  if (typeof given === 'object' && given !== null) return JSON.stringify(given);
  return fallback;
}
