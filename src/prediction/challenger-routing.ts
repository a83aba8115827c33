import { createHash } from 'node:crypto';
import type { ActiveDeployment } from './deployment-lookup';

export type ServingRole = 'active' | 'shadow' | 'canary';

/** Longest request key accepted (body `request_key` or header X-Request-Key). */
export const MAX_REQUEST_KEY = 200;

/**
 * Where a request key falls in [0, 1): the first 32 bits of SHA-256(key) / 2^32. The same key
 * always lands in the same place, so a client that sends its order or session id as the key
 * always gets the same version of a canary; documented so a client can compute it too.
 */
export function canaryPoint(key: string): number {
  return createHash('sha256').update(key, 'utf8').digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Which version answers a request through a deployment: the canary when the deployment has
 * one and the request's point (its key's hash, else a random draw) is below canary_share;
 * the active version otherwise (a shadow never answers).
 */
export function answeringRole(
  deployment: ActiveDeployment | null,
  requestKey: string | undefined,
  random: () => number = Math.random,
): 'active' | 'canary' {
  const c = deployment?.challenger;
  if (!c || c.mode !== 'canary' || !(typeof c.canary_share === 'number' && c.canary_share > 0)) return 'active';
  const point = requestKey !== undefined ? canaryPoint(requestKey) : random();
  return point < c.canary_share ? 'canary' : 'active';
}
