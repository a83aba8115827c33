import { createHash } from 'node:crypto';
import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiKeyVerifier } from '../auth/api-key';
import { RateLimitError } from '../errors/app-error';

export const RATE_LIMIT_WINDOW_MS = 60_000;

export interface RateLimitSettings {
  /** RATE_LIMIT_PER_MINUTE; 0 = no limiter at all (not even the X-RateLimit headers). */
  perMinute: number;
  /** API_KEY, when authentication is on. */
  apiKey?: string;
  metrics?: { observeThrottled(method: string, route: string): void };
}

/**
 * Never throttled: Kubernetes probes (/health, /health/live, /health/ready), Prometheus
 * scrapes (/metrics) and the API docs (/docs, /docs-json, /docs/static/…). A busy client
 * must not make a replica look dead or blind its monitoring.
 */
export function isRateLimitExempt(url: string): boolean {
  const path = url.split('?')[0];
  return path === '/health' || path.startsWith('/health/') || path === '/metrics' || path.startsWith('/docs');
}

/**
 * The bucket a request counts against: with API_KEY set and the request carrying it, the
 * key's sha256 (never the key itself: it ends up in the store's map); otherwise the client
 * address (IPv6 grouped by /64, as @fastify/rate-limit does). A wrong key never reaches
 * the limiter on /api (401 comes first, from the global onRequest hook), and elsewhere it
 * is keyed by address, so it cannot spend the real key's budget.
 */
export function rateLimitKeyGenerator(apiKey: string | undefined): (request: FastifyRequest) => string {
  if (!apiKey) return (request) => `ip:${normalizeIP(request.ip)}`;
  const verifier = new ApiKeyVerifier(apiKey);
  const keyId = `key:${createHash('sha256').update(apiKey).digest('hex')}`;
  return (request) =>
    verifier.matches(ApiKeyVerifier.presentedKey(request.headers)) ? keyId : `ip:${normalizeIP(request.ip)}`;
}

/**
 * Per-API-key rate limiting (RATE_LIMIT_PER_MINUTE requests per fixed 1-minute window).
 *
 * The counters live in this process's memory: the limit is PER REPLICA. With N replicas
 * behind a load balancer a key can make up to N × RATE_LIMIT_PER_MINUTE requests a minute;
 * a shared store (Redis) would be needed for a cluster-wide limit.
 *
 * @fastify/rate-limit adds its check as a route-level onRequest hook, which Fastify runs
 * after the instance-level ones (correlation id) and before Nest's guards: a request with a
 * wrong key is counted, then answered 401 by the guard. Unknown routes (404) are not counted.
 * Must be awaited before Nest registers its routes (the plugin hooks them in onRoute).
 */
export async function installRateLimit(fastify: FastifyInstance, settings: RateLimitSettings): Promise<void> {
  if (settings.perMinute <= 0) return;
  const windowSeconds = RATE_LIMIT_WINDOW_MS / 1000;
  await fastify.register(fastifyRateLimit, {
    global: true,
    max: settings.perMinute,
    timeWindow: RATE_LIMIT_WINDOW_MS,
    hook: 'onRequest',
    keyGenerator: rateLimitKeyGenerator(settings.apiKey),
    // The matched route pattern, so a query string or trailing junk cannot dodge or fake it.
    allowList: (request) => isRateLimitExempt(request.routeOptions.url ?? request.url),
    onExceeded: (request) =>
      settings.metrics?.observeThrottled(request.method, request.routeOptions.url ?? 'unmatched'),
    // Thrown from the hook, it reaches Nest's filter and is answered as the error envelope
    // (the plugin has already set X-RateLimit-Limit/Remaining/Reset and Retry-After).
    errorResponseBuilder: (_request, context) =>
      new RateLimitError(context.ttl / 1000, { max: context.max, windowSeconds }),
  });
}
