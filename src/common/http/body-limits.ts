import type { FastifyInstance, FastifyRequest, preParsingAsyncHookHandler, RouteOptions } from 'fastify';
import { PayloadTooLargeError } from '../errors/app-error';
import { STREAMED_CONTENT_TYPES } from './http-hooks';

export interface BodyLimitSettings {
  /** BODY_LIMIT_BYTES: every JSON route not listed below. */
  defaultBytes: number;
  /** PREDICTION_BODY_LIMIT_BYTES: the prediction routes (a batch of long feature windows is large). */
  predictionBytes: number;
}

export interface RouteBodyLimit {
  bytes: number;
  /** The variable that sets it, named in the 413 answer and in docs/limits.md. */
  variable: 'BODY_LIMIT_BYTES' | 'PREDICTION_BODY_LIMIT_BYTES';
}

/**
 * Prediction routes: `POST /api/v1/models/:model_id/predict` and any batch form added
 * beside it (`…/batch-predict`, `…/predict/batch`, `…/predict-batch`).
 */
const PREDICTION_ROUTE = /^\/api\/v1\/(?:.+\/)?(?:batch[-_]?predict|predict(?:[-_/]batch)?)$/;

/**
 * The one table of per-route body limits (see docs/limits.md). Applies to bodies Fastify
 * buffers and parses (JSON); CSV imports arrive as streams and the importer enforces
 * MARKET_DATA_IMPORT_MAX_BYTES itself.
 */
export function bodyLimitFor(method: string | string[], url: string, settings: BodyLimitSettings): RouteBodyLimit {
  const methods = (Array.isArray(method) ? method : [method]).map((m) => m.toUpperCase());
  const path = url.length > 1 ? url.replace(/\/+$/, '') : url;
  if (methods.includes('POST') && PREDICTION_ROUTE.test(path))
    return { bytes: settings.predictionBytes, variable: 'PREDICTION_BODY_LIMIT_BYTES' };
  return { bytes: settings.defaultBytes, variable: 'BODY_LIMIT_BYTES' };
}

function isStreamed(request: FastifyRequest): boolean {
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  return STREAMED_CONTENT_TYPES.includes(type);
}

/**
 * Answers 413 before reading the body when its declared Content-Length is over the route's
 * limit, with a message that names the limit. Fastify's own bodyLimit check (set alongside)
 * still enforces the limit on chunked bodies as they arrive (a 413 envelope without the number).
 */
function declaredLengthGuard(limit: RouteBodyLimit, method: string, url: string): preParsingAsyncHookHandler {
  // Fastify tells an async hook from a callback one by the promise it returns; throwing from an
  // async function is how this hook answers 413, so it has nothing to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (request) => {
    const declared = Number(request.headers['content-length']);
    if (!(declared > limit.bytes) || isStreamed(request)) return;
    throw new PayloadTooLargeError(
      `Request body is ${declared} bytes; ${method} ${url} accepts at most ${limit.bytes} bytes (${limit.variable})`,
      {
        limit_bytes: limit.bytes,
        content_length: declared,
        limit_variable: limit.variable,
      },
    );
  };
}

/**
 * Sets `bodyLimit` on every route as it is registered. Must be installed before Nest
 * registers its routes (createApp does it before `app.init()`); routes added earlier
 * would keep Fastify's global bodyLimit.
 */
export function installBodyLimits(fastify: FastifyInstance, settings: BodyLimitSettings): void {
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const limit = bodyLimitFor(route.method, route.url, settings);
    route.bodyLimit = limit.bytes;
    const guard = declaredLengthGuard(
      limit,
      Array.isArray(route.method) ? route.method.join('|') : route.method,
      route.url,
    );
    const existing = route.preParsing;
    route.preParsing = existing === undefined ? [guard] : [guard, ...(Array.isArray(existing) ? existing : [existing])];
  });
}
