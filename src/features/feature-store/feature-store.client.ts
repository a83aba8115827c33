/**
 * The client of the platform's Feature Store Service (contract: feature-store.contract.ts).
 * Its one job is the retry loop: attempts with a per-attempt timeout, backoff between them,
 * an overall deadline, and the translation of the last outcome into one AppError.
 */
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { redactUrlPasswords } from '../../config/secret-values';
import {
  ContractViolation,
  featureStorePathAndQuery,
  normaliseFeatureQuery,
  parseFeatureStoreBody,
  type FeatureFrame,
  type FeatureStoreQuery,
  type NormalisedFeatureQuery,
} from './feature-store.contract';
import {
  badResponseError,
  failedError,
  rateLimitedError,
  readUnknownFeature,
  rejectedError,
  timeoutError,
  unavailableError,
  unknownFeatureError,
  type FailureContext,
} from './feature-store.errors';
import {
  FEATURE_STORE_OPTIONS,
  resolveFeatureStoreOptions,
  type FeatureStoreClientOptions,
} from './feature-store.options';
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from './feature-store.retry';
import { performAttempt, type AttemptOutcome } from './feature-store.transport';

/** Where to send requests: `base` carries no credentials, so it is also what errors and logs show. */
interface Endpoint {
  base: string;
  authorization?: string;
}

@Injectable()
export class FeatureStoreClient {
  private readonly logger = new Logger('FeatureStoreClient');
  private readonly options: FeatureStoreClientOptions;
  private readonly endpoint: Endpoint;

  constructor(
    config: AppConfig,
    @Optional() @Inject(FEATURE_STORE_OPTIONS) options?: Partial<FeatureStoreClientOptions>,
  ) {
    this.options = resolveFeatureStoreOptions(options ?? {});
    this.endpoint = splitCredentials(config.featureStoreUrl);
  }

  /** The store's URL as errors and logs show it (no credentials). */
  get baseUrl(): string {
    return this.endpoint.base;
  }

  /**
   * Fetches the requested features for [start, end] (inclusive). Throws 422 for an invalid
   * query (before any request) or an unknown feature, 502 for an unusable answer, 503 when
   * the store is down, slow or rate-limiting after the retries.
   */
  async fetchFeatures(query: FeatureStoreQuery): Promise<FeatureFrame> {
    const q = normaliseFeatureQuery(query);
    const { options: o, endpoint } = this;
    const pathAndQuery = featureStorePathAndQuery(q);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (o.apiKey) headers['X-API-Key'] = o.apiKey;
    if (endpoint.authorization) headers.Authorization = endpoint.authorization;

    const started = o.now();
    const deadline = started + o.deadlineMs;
    const ctx: FailureContext = {
      baseUrl: endpoint.base,
      url: endpoint.base + pathAndQuery,
      attempts: 0,
      lastStatus: null,
      failures: [],
      elapsedMs: 0,
    };
    let last: AttemptOutcome | undefined;
    let retryAfterMs: number | undefined;

    for (let attempt = 1; attempt <= o.retries + 1; attempt++) {
      const remaining = deadline - o.now();
      if (remaining <= 0) {
        ctx.deadlineMs = o.deadlineMs;
        break;
      }
      const timeoutMs = Math.min(o.timeoutMs, Math.ceil(remaining));
      last = await performAttempt({
        url: endpoint.base + pathAndQuery,
        headers,
        timeoutMs,
        maxBytes: o.maxResponseBytes,
      });
      ctx.attempts = attempt;
      ctx.elapsedMs = o.now() - started;
      if (last.kind === 'response') ctx.lastStatus = last.status;

      if (last.kind === 'response' && !isRetryableStatus(last.status)) return this.settle(last, q, ctx);
      ctx.failures.push(failureLine(last));
      retryAfterMs = last.kind === 'response' ? parseRetryAfterMs(last.retryAfter, Date.now()) : undefined;
      if (attempt > o.retries) break;

      if (retryAfterMs !== undefined && retryAfterMs > o.retryAfterMaxMs) break; // It asked for more patience than we have.
      const delay = Math.max(backoffDelayMs(attempt, o.backoffBaseMs, o.backoffMaxMs, o.random), retryAfterMs ?? 0);
      if (o.now() + delay >= deadline) {
        ctx.deadlineMs = o.deadlineMs;
        break;
      }
      this.logger.warn(
        `feature store attempt ${attempt} failed (${ctx.failures[ctx.failures.length - 1]}); retrying in ${delay} ms: ${redactUrlPasswords(ctx.url)}`,
      );
      await o.sleep(delay);
    }
    ctx.elapsedMs = o.now() - started;
    throw this.exhausted(last, ctx, retryAfterMs);
  }

  /** A final (non-retryable) answer: the frame on a valid 200, else the matching error. */
  private settle(
    outcome: Extract<AttemptOutcome, { kind: 'response' }>,
    q: NormalisedFeatureQuery,
    ctx: FailureContext,
  ): FeatureFrame {
    const { status, body } = outcome;
    if (status === 200) {
      if (outcome.truncated)
        throw badResponseError(
          ctx,
          new ContractViolation('size', `body is larger than ${this.options.maxResponseBytes} bytes`),
        );
      try {
        return parseFeatureStoreBody(body, q);
      } catch (e) {
        if (e instanceof ContractViolation) throw badResponseError(ctx, e);
        throw e;
      }
    }
    if (status < 400) {
      const where = outcome.location ? ` (redirect to ${outcome.location}, not followed)` : '';
      throw badResponseError(
        ctx,
        new ContractViolation('status', `status ${status}, expected 200${where}`, { status }),
      );
    }
    if (status < 500) {
      const unknown = [400, 404, 422].includes(status) ? readUnknownFeature(body, q.features) : null;
      if (unknown) throw unknownFeatureError(ctx, status, unknown.features, unknown.message);
      throw rejectedError(ctx, status, body);
    }
    throw failedError(ctx, status, body);
  }

  /** Retries spent (or cut by the deadline / a long Retry-After): the last failure picks the code. */
  private exhausted(last: AttemptOutcome | undefined, ctx: FailureContext, retryAfterMs: number | undefined): Error {
    if (last?.kind === 'timeout') return timeoutError(ctx, this.options.timeoutMs);
    if (last?.kind === 'response' && last.status === 429) return rateLimitedError(ctx, retryAfterMs);
    return unavailableError(ctx);
  }
}

function failureLine(outcome: AttemptOutcome): string {
  switch (outcome.kind) {
    case 'timeout':
      return `timeout after ${outcome.afterMs} ms`;
    case 'network':
      return outcome.code === 'ECONNREFUSED'
        ? 'connection refused (ECONNREFUSED)'
        : `${outcome.code}: ${outcome.message}`;
    case 'response':
      return `status ${outcome.status}`;
  }
}

/**
 * fetch refuses URLs with user:pass@, and they must never reach an error message: move them
 * into a Basic Authorization header and keep a clean URL for display.
 */
function splitCredentials(raw: string): Endpoint {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // AppConfig validates the URL; if it did not, fail at the first call with an honest message rather than at start.
    return { base: raw };
  }
  let authorization: string | undefined;
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  url.search = '';
  url.hash = '';
  return { base: `${url.origin}${url.pathname}`.replace(/\/+$/, ''), authorization };
}
