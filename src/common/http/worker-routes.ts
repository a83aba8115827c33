import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../errors/app-error';
import { sendEnvelope } from './http-hooks';

/** What a `SERVICE_ROLE=worker` process answers on its port: probes and metrics, nothing else. */
export function isWorkerRoute(url: string): boolean {
  const path = url.split('?')[0];
  return path === '/health' || path.startsWith('/health/') || path === '/metrics';
}

/**
 * A training worker keeps its HTTP port for Kubernetes probes and Prometheus only: the API
 * (and Swagger UI) is served by the api replicas, so a misrouted client gets a clear 404
 * instead of a second, unbalanced API entry point.
 */
export function restrictToWorkerRoutes(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (isWorkerRoute(request.url)) return;
    reply.header('X-Correlation-ID', String(request.id));
    return sendEnvelope(
      reply,
      request,
      new NotFoundError(
        'This process is a training worker (SERVICE_ROLE=worker): it serves only /health, /health/live, /health/ready and /metrics. Send API requests to an api replica.',
        { role: 'worker' },
        'WORKER_ROLE',
      ),
    );
  });
}
