import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const CORRELATION_HEADER = 'x-correlation-id';
/** An incoming id is echoed only when it is short and harmless in headers and logs. */
const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's genReqId: the request id is the correlation id. */
export function correlationIdFor(req: IncomingMessage): string {
  const incoming = req.headers[CORRELATION_HEADER];
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value && WELL_FORMED.test(value) ? value : randomUUID();
}
