import {
  DEFAULT_TARGETS,
  parseTargetOptions,
  TARGET_PATTERN,
  TARGET_VARIABLES,
  type TargetOptions,
} from './targets/target-registry';

/**
 * The deployment module's settings: its variables, their meaning, checks and defaults, each
 * stated once in SETTINGS below (the targets and their per-kind variables in
 * targets/target-registry.ts). src/config parses them with the rest of AppConfig, so a bad
 * value stops the start beside the others; the module's classes see only `DeploymentOptions`
 * (inject DEPLOYMENT_OPTIONS). Every variable is documented in the README's environment table.
 */

/** How one variable is read: a raw string (or undefined when unset/blank) to a value, or a problem. */
interface Setting<T> {
  variable: string;
  meaning: string;
  default: T;
  parse(raw: string): { value: T } | { problem: string };
}

function integer(variable: string, def: number, min: number, max: number, meaning: string): Setting<number> {
  return {
    variable,
    meaning,
    default: def,
    parse(raw) {
      const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
      return Number.isSafeInteger(n) && n >= min && n <= max
        ? { value: n }
        : { problem: `${variable} must be an integer from ${min} to ${max}` };
    },
  };
}

function positive(variable: string, def: number, max: number, meaning: string): Setting<number> {
  return {
    variable,
    meaning,
    default: def,
    parse(raw) {
      const n = Number(raw);
      return Number.isFinite(n) && n > 0 && n <= max
        ? { value: n }
        : { problem: `${variable} must be a positive number up to ${max}` };
    },
  };
}

function text(variable: string, meaning: string): Setting<string | undefined> {
  return { variable, meaning, default: undefined, parse: (raw) => ({ value: raw }) };
}

/** The table: option → its variable, meaning, default and check (problems are reported in this order). */
const SETTINGS = {
  notifySecret: text('DEPLOYMENT_NOTIFY_SECRET', 'HMAC-SHA256 key for `X-Signature` (unset = unsigned)'),
  notifyTimeoutMs: integer('DEPLOYMENT_NOTIFY_TIMEOUT_MS', 5000, 1, 600_000, 'per-attempt timeout of a notification'),
  notifyRetries: integer(
    'DEPLOYMENT_NOTIFY_RETRIES',
    5,
    0,
    20,
    'retries after the first attempt (exponential backoff)',
  ),
  notifyBackoffMs: integer(
    'DEPLOYMENT_NOTIFY_BACKOFF_MS',
    1000,
    1,
    600_000,
    'first retry delay; doubles each retry (capped at 60 s)',
  ),
  maxScalingFactor: positive('DEPLOYMENT_MAX_SCALING_FACTOR', 100, 1_000_000, 'largest scaling_factor accepted'),
  monitoringRetention: integer(
    'MONITORING_RETENTION',
    1000,
    1,
    100_000,
    'requests (inputs + outputs) kept per deployment at `high`',
  ),
  monitoringFlushMs: integer('MONITORING_FLUSH_MS', 1000, 10, 600_000, 'how often buffered events are written'),
  lookupCacheMs: integer(
    'DEPLOYMENT_LOOKUP_CACHE_MS',
    1000,
    0,
    600_000,
    'how long a process caches "which version is active where"',
  ),
  predictionRetentionDays: integer(
    'DEPLOYMENT_PREDICTION_RETENTION_DAYS',
    90,
    1,
    3650,
    'days served predictions are kept for live scoring',
  ),
  decayWindow: integer('DEPLOYMENT_DECAY_WINDOW', 500, 10, 100_000, 'latest scored predictions the decay test uses'),
  decayMinSamples: integer(
    'DEPLOYMENT_DECAY_MIN_SAMPLES',
    30,
    5,
    100_000,
    'scored predictions needed before the decay test decides',
  ),
} satisfies Record<string, Setting<unknown>>;

type Settings = typeof SETTINGS;
export type DeploymentOptions = TargetOptions & { [K in keyof Settings]: Settings[K]['default'] };

export const DEPLOYMENT_OPTIONS = Symbol('DEPLOYMENT_OPTIONS');

/** Every variable parseDeploymentOptions reads (each must be in the README's environment table). */
export const DEPLOYMENT_VARIABLES: readonly string[] = [
  ...TARGET_VARIABLES,
  ...Object.values(SETTINGS).map((s) => s.variable),
];

export { DEFAULT_TARGETS, TARGET_PATTERN };

/** Thrown at start when a variable is invalid; names every bad one (each message begins with its variable). */
export class DeploymentOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid deployment configuration: ${problems.join('; ')}`);
  }
}

export function parseDeploymentOptions(env: Record<string, string | undefined>): DeploymentOptions {
  const problems: string[] = [];
  const get = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  // The targets and each kind's `target=value` variable: the target registry.
  const { targets, drivers } = parseTargetOptions(get, problems);
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as Array<[string, Setting<unknown>]>) {
    const raw = get(setting.variable);
    const parsed = raw === undefined ? { value: setting.default } : setting.parse(raw);
    if ('problem' in parsed) problems.push(parsed.problem);
    values[key] = 'value' in parsed ? parsed.value : setting.default;
  }
  if (problems.length) throw new DeploymentOptionsError(problems);
  return { targets, drivers, ...(values as { [K in keyof Settings]: Settings[K]['default'] }) };
}

/** The settings' documentation rows (variable, meaning, default), e.g. for docs and tests. */
export function deploymentSettingsDoc(): Array<{ variable: string; meaning: string; default: unknown }> {
  return Object.values(SETTINGS).map((s: Setting<unknown>) => ({
    variable: s.variable,
    meaning: s.meaning,
    default: s.default,
  }));
}
