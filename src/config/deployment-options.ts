import {
  DEFAULT_TARGETS,
  parseTargetOptions,
  TARGET_PATTERN,
  TARGET_VARIABLES,
  type TargetOptions,
} from '../deployment/targets/target-registry';

/**
 * The deployment module's settings, parsed from the environment with the rest of AppConfig
 * (a bad value stops the start with the others); the module sees only `DeploymentOptions`.
 *
 * | variable                         | meaning                                                     | default |
 * | -------------------------------- | ----------------------------------------------------------- | ------- |
 * | DEPLOYMENT_TARGETS               | comma-separated targets a model may be deployed to          | strategy_engine,ml_integration,analysis_engine |
 * | DEPLOYMENT_NOTIFY_URLS           | `target=http://…` pairs: webhook targets (target-registry)  | –       |
 * | DEPLOYMENT_FILE_DROP_DIRS        | `target=/dir` pairs: file-drop targets (target-registry)    | –       |
 * | DEPLOYMENT_NOTIFY_SECRET         | HMAC-SHA256 key for `X-Signature` (unset = unsigned)        | –       |
 * | DEPLOYMENT_NOTIFY_TIMEOUT_MS     | per-attempt timeout                                         | 5000    |
 * | DEPLOYMENT_NOTIFY_RETRIES        | retries after the first attempt (exponential backoff)       | 5       |
 * | DEPLOYMENT_NOTIFY_BACKOFF_MS     | first retry delay; doubles each retry (capped at 60 s)      | 1000    |
 * | DEPLOYMENT_MAX_SCALING_FACTOR    | largest scaling_factor accepted                             | 100     |
 * | MONITORING_RETENTION             | requests (inputs + outputs) kept per deployment at `high`   | 1000    |
 * | MONITORING_FLUSH_MS              | how often buffered monitoring events are written            | 1000    |
 * | DEPLOYMENT_LOOKUP_CACHE_MS       | how long a process caches "which version is active where"   | 1000    |
 * | DEPLOYMENT_PREDICTION_RETENTION_DAYS | days served predictions are kept for live scoring        | 90      |
 * | DEPLOYMENT_DECAY_WINDOW          | latest scored predictions the decay test looks at           | 500     |
 * | DEPLOYMENT_DECAY_MIN_SAMPLES     | scored predictions needed before the decay test decides     | 30      |
 */
export interface DeploymentOptions extends TargetOptions {
  notifySecret?: string;
  notifyTimeoutMs: number;
  notifyRetries: number;
  notifyBackoffMs: number;
  maxScalingFactor: number;
  monitoringRetention: number;
  monitoringFlushMs: number;
  lookupCacheMs: number;
  predictionRetentionDays: number;
  decayWindow: number;
  decayMinSamples: number;
}

export const DEPLOYMENT_OPTIONS = Symbol('DEPLOYMENT_OPTIONS');

/** Every variable parseDeploymentOptions reads (each must be in the README's environment table). */
export const DEPLOYMENT_VARIABLES = [
  ...TARGET_VARIABLES,
  'DEPLOYMENT_NOTIFY_SECRET',
  'DEPLOYMENT_NOTIFY_TIMEOUT_MS',
  'DEPLOYMENT_NOTIFY_RETRIES',
  'DEPLOYMENT_NOTIFY_BACKOFF_MS',
  'DEPLOYMENT_MAX_SCALING_FACTOR',
  'MONITORING_RETENTION',
  'MONITORING_FLUSH_MS',
  'DEPLOYMENT_LOOKUP_CACHE_MS',
  'DEPLOYMENT_PREDICTION_RETENTION_DAYS',
  'DEPLOYMENT_DECAY_WINDOW',
  'DEPLOYMENT_DECAY_MIN_SAMPLES',
];
type DeploymentVariable = string;

export { DEFAULT_TARGETS, TARGET_PATTERN };

/** Thrown at start when a variable is invalid; names every bad one. */
export class DeploymentOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid deployment configuration: ${problems.join('; ')}`);
  }
}

export function parseDeploymentOptions(env: Record<string, string | undefined>): DeploymentOptions {
  const problems: string[] = [];
  const get = (name: DeploymentVariable) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (name: DeploymentVariable, def: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return def;
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}`);
      return def;
    }
    return n;
  };

  // The targets and each kind's `target=value` variable: the deployment module's target registry.
  const { targets, drivers } = parseTargetOptions(get, problems);

  const maxScalingRaw = get('DEPLOYMENT_MAX_SCALING_FACTOR');
  let maxScalingFactor = 100;
  if (maxScalingRaw !== undefined) {
    const n = Number(maxScalingRaw);
    if (!Number.isFinite(n) || n <= 0 || n > 1e6)
      problems.push('DEPLOYMENT_MAX_SCALING_FACTOR must be a positive number up to 1000000');
    else maxScalingFactor = n;
  }

  const options: DeploymentOptions = {
    targets,
    drivers,
    notifySecret: get('DEPLOYMENT_NOTIFY_SECRET'),
    notifyTimeoutMs: int('DEPLOYMENT_NOTIFY_TIMEOUT_MS', 5000, 1, 600_000),
    notifyRetries: int('DEPLOYMENT_NOTIFY_RETRIES', 5, 0, 20),
    notifyBackoffMs: int('DEPLOYMENT_NOTIFY_BACKOFF_MS', 1000, 1, 600_000),
    maxScalingFactor,
    monitoringRetention: int('MONITORING_RETENTION', 1000, 1, 100_000),
    monitoringFlushMs: int('MONITORING_FLUSH_MS', 1000, 10, 600_000),
    lookupCacheMs: int('DEPLOYMENT_LOOKUP_CACHE_MS', 1000, 0, 600_000),
    predictionRetentionDays: int('DEPLOYMENT_PREDICTION_RETENTION_DAYS', 90, 1, 3650),
    decayWindow: int('DEPLOYMENT_DECAY_WINDOW', 500, 10, 100_000),
    decayMinSamples: int('DEPLOYMENT_DECAY_MIN_SAMPLES', 30, 5, 100_000),
  };
  if (problems.length) throw new DeploymentOptionsError(problems);
  return options;
}

/** The provider: reads process.env once at start (the only place this module does). */
