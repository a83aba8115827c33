import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { RequestTimeoutError } from './client-errors';
import { sendEnvelope, STREAMED_CONTENT_TYPES } from './http-hooks';

export interface RequestTimeoutSettings {
  /** REQUEST_TIMEOUT_MS: headers (Node's headersTimeout), then a buffered (JSON) body. */
  requestTimeoutMs: number;
  /** BODY_IDLE_TIMEOUT_MS: the longest stall inside any body, streamed or buffered. */
  bodyIdleTimeoutMs: number;
}

/**
 * Options for the Fastify factory. Node's own `requestTimeout` stays off (Fastify's default
 * 0): it bounds the whole request on every route, and a streamed CSV import is read only as
 * fast as its rows are stored, so a large import from a fast client would be cut off.
 * Node's header timeout is kept, at REQUEST_TIMEOUT_MS, and checked often enough that it
 * fires close to its limit (Node looks every 30 s by default). Fastify's `connectionTimeout`
 * (an idle socket timer) stays off as well: it would also cut a response that the service
 * takes long to compute.
 */
export function serverTimeoutOptions(settings: RequestTimeoutSettings) {
  return {
    requestTimeout: 0,
    connectionTimeout: 0,
    http: {
      headersTimeout: settings.requestTimeoutMs,
      requestTimeout: 0,
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(settings.requestTimeoutMs / 4))),
    },
  };
}

interface Watched {
  request: FastifyRequest;
  reply: FastifyReply;
  /** The body's deadline applies (false for streamed uploads, bounded by the idle timeout only). */
  bounded: boolean;
  startedAt: number;
  lastActivityAt: number;
  lastBytesRead: number;
}

function hasBody(request: FastifyRequest): boolean {
  const h = request.headers;
  if (h['transfer-encoding'] !== undefined) return true;
  const length = h['content-length'];
  return length !== undefined && length !== '0';
}

function isStreamed(request: FastifyRequest): boolean {
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  return STREAMED_CONTENT_TYPES.includes(type);
}

/**
 * Body timeouts, per request: a body that stalls (no bytes for BODY_IDLE_TIMEOUT_MS while
 * the service waits for them), or a JSON body not complete REQUEST_TIMEOUT_MS after its
 * headers, is answered 408 in the envelope and its connection closed — a slow client can no
 * longer hold a connection (and a request slot) open indefinitely.
 *
 * One shared timer looks at the requests whose body is still arriving (usually none: a small
 * body comes with its headers). "Waiting for the client" is told from "the service is behind"
 * without touching the body stream (a listener would switch it to flowing mode and a streamed
 * handler would lose data): the socket's byte counter must move, unless bytes sit unread in
 * the request's buffer or Node paused the socket for backpressure — then the service is the
 * slow side and the stall does not count.
 */
export function installRequestTimeouts(
  fastify: FastifyInstance,
  settings: RequestTimeoutSettings & { logger?: PinoLogger },
): void {
  const watched = new Set<Watched>();
  const tickMs = Math.min(
    1000,
    Math.max(20, Math.floor(Math.min(settings.requestTimeoutMs, settings.bodyIdleTimeoutMs) / 5)),
  );
  let timer: NodeJS.Timeout | undefined;

  const expire = (w: Watched, phase: 'body' | 'body_idle') => {
    watched.delete(w);
    const { request, reply } = w;
    const socket = request.raw.socket;
    const error =
      phase === 'body_idle'
        ? new RequestTimeoutError(
            `The request body stalled: no bytes arrived for ${settings.bodyIdleTimeoutMs} ms (BODY_IDLE_TIMEOUT_MS)`,
            { timeout_ms: settings.bodyIdleTimeoutMs, phase },
          )
        : new RequestTimeoutError(
            `The request body did not arrive within ${settings.requestTimeoutMs} ms (REQUEST_TIMEOUT_MS)`,
            { timeout_ms: settings.requestTimeoutMs, phase },
          );
    settings.logger?.info(
      {
        correlation_id: String(request.id),
        method: request.method,
        path: request.url.split('?')[0],
        phase,
        bytes_read: socket?.bytesRead,
      },
      'request timed out',
    );
    if (reply.sent || reply.raw.headersSent) {
      socket?.destroy();
      return;
    }
    // After the answer: FIN first (a reset could make the client drop the 408 unread), then
    // make sure the socket is gone even if the client never closes its side.
    reply.raw.once('finish', () => {
      socket?.end();
      setTimeout(() => socket?.destroy(), 2000).unref();
    });
    void sendEnvelope(reply, request, error);
  };

  const tick = () => {
    const now = Date.now();
    for (const w of watched) {
      const raw = w.request.raw;
      const socket = raw.socket;
      if (raw.complete || !socket || socket.destroyed || w.reply.sent) {
        watched.delete(w);
        continue;
      }
      const serviceBehind = raw.readableLength > 0 || socket.isPaused();
      if (socket.bytesRead !== w.lastBytesRead || serviceBehind) {
        w.lastBytesRead = socket.bytesRead;
        w.lastActivityAt = now;
      }
      if (w.bounded && now - w.startedAt >= settings.requestTimeoutMs) expire(w, 'body');
      else if (now - w.lastActivityAt >= settings.bodyIdleTimeoutMs) expire(w, 'body_idle');
    }
    if (watched.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.raw.complete && hasBody(request)) {
      const now = Date.now();
      watched.add({
        request,
        reply,
        bounded: !isStreamed(request),
        startedAt: now,
        lastActivityAt: now,
        lastBytesRead: request.raw.socket?.bytesRead ?? 0,
      });
      if (!timer) {
        timer = setInterval(tick, tickMs);
        timer.unref();
      }
    }
    done();
  });

  fastify.addHook('onClose', (_instance, done) => {
    if (timer) clearInterval(timer);
    timer = undefined;
    watched.clear();
    done();
  });
}
