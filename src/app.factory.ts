import 'reflect-metadata';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { correlationIdFor } from './common/http/correlation-id';
import { installBodyLimits } from './common/http/body-limits';
import { installHttpHooks, sendEnvelope } from './common/http/http-hooks';
import { installRateLimit } from './common/http/rate-limit';
import { createClientErrorHandler } from './common/http/client-errors';
import { installRequestTimeouts, serverTimeoutOptions } from './common/http/request-timeouts';
import { restrictToWorkerRoutes } from './common/http/worker-routes';
import { toAppError } from './common/errors/to-app-error';
import { createValidationPipe } from './common/http/validation';
import { createRootLogger, PinoNestLogger } from './common/logging/logger';
import { MetricsService } from './metrics/metrics.service';
import type { AppConfig } from './config/app-config';
import { setupSwagger } from './swagger';

export interface CreateAppOptions {
  /** Where logs go (tests capture them); default: stdout at LOG_LEVEL. */
  logger?: PinoLogger;
  /** Extra modules mounted beside the application's own (tests use this for probe routes). */
  imports?: Array<Type | DynamicModule>;
}

/**
 * Builds the whole application for a validated configuration, ready to `listen`.
 * main.ts and the e2e tests both use this, so tests exercise what production runs.
 */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const logger = options.logger ?? createRootLogger(config.logLevel);
  const timeouts = { requestTimeoutMs: config.requestTimeoutMs, bodyIdleTimeoutMs: config.bodyIdleTimeoutMs };
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    genReqId: correlationIdFor,
    requestIdHeader: false,
    logger: false,
    // While shutting down, new requests get 503 and idle keep-alive sockets are closed.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Slow clients: headers within REQUEST_TIMEOUT_MS (Node); bodies by installRequestTimeouts.
    ...serverTimeoutOptions(timeouts),
    // What Node's parser rejects (header timeout, oversized headers, not HTTP) in the envelope.
    clientErrorHandler: createClientErrorHandler({ requestTimeoutMs: config.requestTimeoutMs, logger }),
    // Errors Fastify raises before routing (malformed URL, a path parameter over
    // maxParamLength) would otherwise answer in Fastify's own shape.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      reply.header('X-Correlation-ID', String(request.id));
      // sendEnvelope sends the reply; Fastify ignores this handler's return value, so the
      // reply (a thenable) is deliberately not awaited.
      void sendEnvelope(reply, request, toAppError(error));
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options.imports), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  // First, so a worker answers "not here" before authentication or rate limiting look at the request.
  if (config.serviceRole === 'worker') restrictToWorkerRoutes(app.getHttpAdapter().getInstance());
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsService);
  installHttpHooks(fastify, { apiKey: config.apiKey, logger, metrics });
  installRequestTimeouts(fastify, { ...timeouts, logger });
  // Both hook into route registration, so they must be in place before app.init() adds Nest's routes.
  installBodyLimits(fastify, { defaultBytes: config.bodyLimitBytes, predictionBytes: config.predictionBodyLimitBytes });
  await installRateLimit(fastify, { perMinute: config.rateLimitPerMinute, apiKey: config.apiKey, metrics });
  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalPipes(createValidationPipe());
  setupSwagger(app);
  if (!config.apiKey)
    logger.warn('API_KEY is not set: authentication is OFF and every /api route is open. Set API_KEY in production.');
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
