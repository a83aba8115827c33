import { environmentDefaults } from '../../config/environment-names';

/**
 * Tuning of the feature-store client, with its defaults in one place. Provide a partial
 * object under FEATURE_STORE_OPTIONS to override (features.module wires the environment's
 * FEATURE_STORE_* values there); the clock, sleep and randomness live here too so tests can
 * make retries instant and deterministic. What the environment sets has its default there
 * (src/config/environment.ts), read here rather than repeated.
 */
export const FEATURE_STORE_OPTIONS = Symbol('FEATURE_STORE_OPTIONS');

export interface FeatureStoreClientOptions {
  /** Sent as `X-API-Key` (FEATURE_STORE_API_KEY). */
  apiKey?: string;
  /** Per attempt, covering connect, headers and the whole body. */
  timeoutMs: number;
  /** Extra attempts after the first (3 → at most 4 requests). */
  retries: number;
  /** First backoff; doubles each retry, capped at backoffMaxMs, then jittered to 50–100 %. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A Retry-After longer than this is not waited for: the client gives up at once. */
  retryAfterMaxMs: number;
  /** Bound on the whole call, all attempts and waits included. */
  deadlineMs: number;
  /** A 200 body larger than this is refused (check `size`) instead of filling memory. */
  maxResponseBytes: number;
  /** Monotonic clock in ms, for the deadline and elapsed times. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1), for jitter. */
  random: () => number;
}

const ENV = environmentDefaults();

export const DEFAULT_FEATURE_STORE_OPTIONS: FeatureStoreClientOptions = {
  timeoutMs: ENV.FEATURE_STORE_TIMEOUT_MS,
  retries: ENV.FEATURE_STORE_RETRIES,
  backoffBaseMs: 200,
  backoffMaxMs: 2_000,
  retryAfterMaxMs: 5_000,
  deadlineMs: 20_000,
  maxResponseBytes: 64 * 1024 * 1024,
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** Merges overrides onto the defaults; a nonsensical number is a wiring bug, so it throws at start. */
export function resolveFeatureStoreOptions(
  overrides: Partial<FeatureStoreClientOptions> = {},
): FeatureStoreClientOptions {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const options: FeatureStoreClientOptions = { ...DEFAULT_FEATURE_STORE_OPTIONS, ...defined };
  const positive = ['timeoutMs', 'backoffMaxMs', 'deadlineMs', 'maxResponseBytes'] as const;
  const nonNegative = ['retries', 'backoffBaseMs', 'retryAfterMaxMs'] as const;
  for (const key of positive) {
    if (!(Number.isFinite(options[key]) && options[key] > 0))
      throw new Error(`feature store option ${key} must be a positive number; got ${options[key]}`);
  }
  for (const key of nonNegative) {
    if (!(Number.isFinite(options[key]) && options[key] >= 0))
      throw new Error(`feature store option ${key} must be zero or more; got ${options[key]}`);
  }
  if (!Number.isInteger(options.retries))
    throw new Error(`feature store option retries must be an integer; got ${options.retries}`);
  if (options.apiKey === '') options.apiKey = undefined;
  return options;
}
