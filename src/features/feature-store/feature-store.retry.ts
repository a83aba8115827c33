/**
 * The retry policy as pure functions: which answers are worth another attempt, and how
 * long to wait before it.
 */

/** Statuses that mean "the store (or its proxy) is struggling right now", not "your request is wrong". */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * Exponential backoff with "equal jitter": base·2^(retry−1), capped, then scaled into
 * [50 %, 100 %) so that many clients failing together do not retry in lockstep, while the
 * wait never collapses to zero. `retry` counts from 1.
 */
export function backoffDelayMs(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exponential * (0.5 + 0.5 * random()));
}

/**
 * Retry-After as ms from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Returns undefined when absent or unreadable, so the plain backoff applies.
 */
export function parseRetryAfterMs(header: string | null | undefined, wallNowMs: number): number | undefined {
  if (header == null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (!Number.isFinite(date) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, date - wallNowMs);
}
