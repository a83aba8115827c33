/**
 * How feature-store failures reach the caller: one AppError per failure kind, each with a
 * stable error_code and the same diagnostic details (url without credentials, attempts,
 * last status, what each attempt met), so the envelope says what failed without logs.
 */
import { DataValidationError, ServiceUnavailableError, UpstreamError } from '../../common/errors/app-error';
import type { ContractViolation } from './feature-store.contract';

export const FEATURE_STORE_ERROR_CODES = {
  /** 503: refused/reset connections or 502/503/504 answers on every attempt (or until the deadline). */
  unavailable: 'FEATURE_STORE_UNAVAILABLE',
  /** 503: the last attempt got no complete answer within its timeout. */
  timeout: 'FEATURE_STORE_TIMEOUT',
  /** 503: the store kept answering 429, or asked us to wait longer than we will. */
  rateLimited: 'FEATURE_STORE_RATE_LIMITED',
  /** 502: a 200 (or another 2xx/3xx) whose body breaks the contract; `details.check` names the rule. */
  badResponse: 'FEATURE_STORE_BAD_RESPONSE',
  /** 502: the store refused the request with a 4xx other than 429. */
  rejected: 'FEATURE_STORE_REJECTED',
  /** 502: the store failed with a non-retryable 5xx (500, 501, 505…). */
  failed: 'FEATURE_STORE_FAILED',
  /** 422: the store says a requested feature does not exist; the caller can fix that. */
  unknownFeature: 'FEATURE_STORE_UNKNOWN_FEATURE',
} as const;

/** One line per attempt in `details.failures`, e.g. "timeout after 5000 ms", "ECONNREFUSED", "status 503". */
export type AttemptFailure = string;

export interface FailureContext {
  /** FEATURE_STORE_URL without credentials, for messages. */
  baseUrl: string;
  /** The full request URL without credentials, for details. */
  url: string;
  attempts: number;
  lastStatus: number | null;
  failures: AttemptFailure[];
  elapsedMs: number;
  /** Set when the overall deadline, not the retry count, ended the call. */
  deadlineMs?: number;
}

const EXCERPT_CHARS = 200;

/** The first characters of a body, whitespace collapsed, for messages; never the whole page. */
export function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

function details(ctx: FailureContext, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    url: ctx.url,
    attempts: ctx.attempts,
    last_status: ctx.lastStatus,
    failures: ctx.failures,
    elapsed_ms: Math.round(ctx.elapsedMs),
    ...(ctx.deadlineMs !== undefined ? { deadline_ms: ctx.deadlineMs } : {}),
    ...extra,
  };
}

function tries(ctx: FailureContext): string {
  const why = ctx.deadlineMs !== undefined ? ` (stopped by the ${ctx.deadlineMs} ms deadline)` : '';
  return `${ctx.attempts} attempt${ctx.attempts === 1 ? '' : 's'}${why}`;
}

export function unavailableError(ctx: FailureContext): ServiceUnavailableError {
  const last = ctx.failures[ctx.failures.length - 1] ?? 'no attempt';
  return new ServiceUnavailableError(
    `Feature store at ${ctx.baseUrl} is unavailable: ${last} after ${tries(ctx)}`,
    details(ctx),
    FEATURE_STORE_ERROR_CODES.unavailable,
  );
}

export function timeoutError(ctx: FailureContext, timeoutMs: number): ServiceUnavailableError {
  return new ServiceUnavailableError(
    `Feature store at ${ctx.baseUrl} did not answer within ${timeoutMs} ms; gave up after ${tries(ctx)}`,
    details(ctx, { timeout_ms: timeoutMs }),
    FEATURE_STORE_ERROR_CODES.timeout,
  );
}

export function rateLimitedError(ctx: FailureContext, retryAfterMs: number | undefined): ServiceUnavailableError {
  const wait = retryAfterMs !== undefined ? `; it asks to retry after ${Math.ceil(retryAfterMs / 1000)} s` : '';
  return new ServiceUnavailableError(
    `Feature store at ${ctx.baseUrl} is rate-limiting this service (429) after ${tries(ctx)}${wait}`,
    details(ctx, retryAfterMs !== undefined ? { retry_after_seconds: Math.ceil(retryAfterMs / 1000) } : {}),
    FEATURE_STORE_ERROR_CODES.rateLimited,
  );
}

export function badResponseError(ctx: FailureContext, violation: ContractViolation): UpstreamError {
  return new UpstreamError(
    `Feature store at ${ctx.baseUrl} returned an invalid response (check ${violation.message})`,
    details(ctx, { check: violation.check, ...violation.details }),
    FEATURE_STORE_ERROR_CODES.badResponse,
  );
}

export function rejectedError(ctx: FailureContext, status: number, body: string): UpstreamError {
  const text = excerpt(body);
  return new UpstreamError(
    `Feature store at ${ctx.baseUrl} rejected the request with ${status}${text ? `: ${text}` : ''}`,
    details(ctx, { status, body_excerpt: text }),
    FEATURE_STORE_ERROR_CODES.rejected,
  );
}

export function failedError(ctx: FailureContext, status: number, body: string): UpstreamError {
  const text = excerpt(body);
  return new UpstreamError(
    `Feature store at ${ctx.baseUrl} failed with ${status}${text ? `: ${text}` : ''}`,
    details(ctx, { status, body_excerpt: text }),
    FEATURE_STORE_ERROR_CODES.failed,
  );
}

export function unknownFeatureError(
  ctx: FailureContext,
  status: number,
  features: string[],
  storeMessage: string,
): DataValidationError {
  const named = features.length ? `: ${features.join(', ')}` : '';
  return new DataValidationError(
    `The feature store does not know the requested feature${features.length === 1 ? '' : 's'}${named}${storeMessage ? ` (${excerpt(storeMessage)})` : ''}`,
    details(ctx, { status, features, source: 'feature_store' }),
    FEATURE_STORE_ERROR_CODES.unknownFeature,
  );
}

const UNKNOWN_FEATURE_CODES = new Set(['UNKNOWN_FEATURE', 'FEATURE_NOT_FOUND']);

/**
 * Reads the store's own error body for "unknown feature" (see the contract); returns the
 * named features and message, or null when the body says something else.
 */
export function readUnknownFeature(body: string, requested: string[]): { features: string[]; message: string } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const b = parsed as Record<string, unknown>;
  const code = b.error_code ?? b.code;
  if (typeof code !== 'string' || !UNKNOWN_FEATURE_CODES.has(code.toUpperCase())) return null;
  const d = (typeof b.details === 'object' && b.details !== null ? b.details : {}) as Record<string, unknown>;
  const raw = [d.features, d.feature, b.features, b.feature].find((v) => v !== undefined);
  const list = (Array.isArray(raw) ? raw : raw !== undefined ? [raw] : []).filter(
    (f): f is string => typeof f === 'string',
  );
  // Only names we actually asked for: the store's body must not inject arbitrary text into our details.
  const features = list.filter((f) => requested.includes(f));
  return { features, message: typeof b.message === 'string' ? b.message : '' };
}
