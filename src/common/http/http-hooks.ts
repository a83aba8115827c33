import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { ApiKeyVerifier } from '../auth/api-key';
import { AuthenticationError, type AppError } from '../errors/app-error';
import type { ErrorEnvelope } from '../errors/error-envelope';

/**
 * Content types whose body reaches the handler as the raw stream: the CSV importer and the
 * ONNX model import (multipart/form-data) read it themselves and enforce their own size limits.
 */
export const STREAMED_CONTENT_TYPES = ['text/csv', 'application/csv', 'text/plain', 'multipart/form-data'];

/** Write the error envelope straight from a Fastify hook or handler (outside Nest's filters). */
export function sendEnvelope(reply: FastifyReply, request: FastifyRequest, error: AppError): FastifyReply {
  const body: ErrorEnvelope = {
    error_type: error.errorType,
    error_code: error.errorCode,
    message: error.message,
    details: error.details,
    correlation_id: String(request.id),
  };
  return reply.headers(error.headers).status(error.status).send(body);
}

/**
 * Cross-cutting HTTP behaviour at the Fastify level, so it also covers unknown routes
 * and bodies Fastify rejects before Nest sees them:
 * - every response carries X-Correlation-ID (the request id, see correlation-id.ts);
 * - one structured log line per request;
 * - during shutdown, connections close after their in-flight request.
 */
export function installHttpHooks(
  fastify: FastifyInstance,
  opts: {
    apiKey?: string;
    logger: PinoLogger;
    metrics?: { observeHttp(method: string, route: string, status: number, seconds: number): void };
  },
): void {
  // CSV uploads reach their handler as the raw stream: the importer parses it as it
  // arrives and enforces its own size limit (Fastify's bodyLimit does not apply to streams).
  fastify.addContentTypeParser(STREAMED_CONTENT_TYPES, (_request, payload, done) => done(null, payload));

  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('X-Correlation-ID', String(request.id));
  });

  // The key is checked on the route Fastify actually matched (its pattern, never the URL
  // text, which %61pi or an absolute-form target would disguise), before the body is parsed,
  // so a request without the key learns nothing from body validation. preParsing runs after
  // the rate limiter's onRequest hook: wrong keys are counted and end up throttled. The
  // global ApiKeyGuard makes the same decision again on the Nest handler (deny by default).
  const verifier = opts.apiKey ? new ApiKeyVerifier(opts.apiKey) : undefined;
  if (verifier) {
    fastify.addHook('preParsing', async (request, reply, payload) => {
      const route = request.routeOptions.url;
      const apiRoute = route !== undefined && (route === '/api' || route.startsWith('/api/'));
      if (apiRoute && !verifier.matches(ApiKeyVerifier.presentedKey(request.headers))) {
        await sendEnvelope(reply, request, new AuthenticationError());
        return reply;
      }
      return payload;
    });
  }

  // Graceful shutdown: once close() starts, every response asks its client to close the
  // socket, so keep-alive connections end as soon as their in-flight request is answered
  // (otherwise the server would wait for the clients to hang up).
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('Connection', 'close');
  });

  fastify.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    // The route pattern (/api/v1/models/:model_id), never the raw path: bounded label values.
    opts.metrics?.observeHttp(
      request.method,
      request.routeOptions?.url ?? 'unmatched',
      status,
      reply.elapsedTime / 1000,
    );
    const line = {
      correlation_id: String(request.id),
      method: request.method,
      path: request.url.split('?')[0],
      status,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (status >= 500) opts.logger.error(line, 'request');
    else if (request.url.startsWith('/health')) opts.logger.debug(line, 'request');
    else opts.logger.info(line, 'request');
  });
}
