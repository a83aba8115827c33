import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger as PinoLogger } from 'pino';
import { AppError } from '../errors/app-error';
import type { ErrorEnvelope } from '../errors/error-envelope';
import { correlationIdFor } from './correlation-id';

/** 408: the client did not send the request (headers or body) in time. */
export class RequestTimeoutError extends AppError {
  constructor(message: string, details: Record<string, unknown>) {
    super(408, 'RequestTimeoutError', 'REQUEST_TIMEOUT', message, details, { Connection: 'close' });
  }
}

/**
 * What Node's HTTP parser reports before any route runs (Node's `clientError`: headers that
 * did not arrive within REQUEST_TIMEOUT_MS, headers over the size limit, bytes that are not
 * HTTP), as the service's error.
 */
export function clientErrorToAppError(error: NodeJS.ErrnoException, requestTimeoutMs: number): AppError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new RequestTimeoutError(
        `The request headers did not arrive within ${requestTimeoutMs} ms (REQUEST_TIMEOUT_MS)`,
        { timeout_ms: requestTimeoutMs, phase: 'headers' },
      );
    case 'HPE_HEADER_OVERFLOW':
      return new AppError(
        431,
        'BadRequestError',
        'HEADERS_TOO_LARGE',
        'The request headers are larger than this service accepts (16 KiB in all)',
        null,
      );
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new AppError(
        413,
        'PayloadTooLargeError',
        'PAYLOAD_TOO_LARGE',
        'The chunk extensions of the request body are too large',
        null,
      );
    default:
      return new AppError(
        400,
        'BadRequestError',
        'MALFORMED_REQUEST',
        'The request is not valid HTTP/1.1 and could not be read',
        { reason: typeof error.code === 'string' ? error.code : 'unknown' },
      );
  }
}

/**
 * Fastify's `clientErrorHandler`: Node would answer these with its own bodies (an empty 408,
 * Fastify a `{"statusCode":…}` JSON); here the answer is the error envelope with an
 * X-Correlation-ID, written straight to the socket (no request object exists yet, or the
 * one in flight never reached a route), and the connection is closed, as Node does.
 */
export function createClientErrorHandler(opts: { requestTimeoutMs: number; logger?: PinoLogger }) {
  return function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
    // A reset connection is gone: there is nobody to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const appError = clientErrorToAppError(error, opts.requestTimeoutMs);
    // A request already being answered must not get a second status line in its body.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse & { req?: IncomingMessage } })._httpMessage;
    const correlationId = inFlight?.req ? correlationIdFor(inFlight.req) : randomUUID();
    opts.logger?.info(
      { correlation_id: correlationId, status: appError.status, error_code: appError.errorCode, reason: error.code },
      'client error',
    );
    if (socket.writable && !inFlight?.headersSent) {
      const envelope: ErrorEnvelope = {
        error_type: appError.errorType,
        error_code: appError.errorCode,
        message: appError.message,
        details: appError.details,
        correlation_id: correlationId,
      };
      const body = JSON.stringify(envelope);
      socket.write(
        `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status] ?? 'Error'}\r\n` +
          'Content-Type: application/json; charset=utf-8\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          `X-Correlation-ID: ${correlationId}\r\n` +
          'Connection: close\r\n\r\n' +
          body,
      );
    }
    socket.destroy(error);
  };
}
