/** The names the environment table declares (for the docs check and the start-up check) and its defaults, without reading an environment. */
import { EnvironmentVariables } from './environment';

/** Optional variables have no default, so they are not own properties of a fresh EnvironmentVariables. */
const OPTIONAL_VARIABLES = [
  'EXPERIMENT_TRACKING_URI',
  'API_KEY',
  'CUDA_VISIBLE_DEVICES',
  'DATABASE_URL',
  'FEATURE_STORE_API_KEY',
  'EXPERIMENT_TRACKING_TOKEN',
  'GPU_ADAPTER',
  'FUSED_RNN_THREADS',
  'FUSED_RNN_SIMD',
  'FUSED_RNN_SPIN_US',
  'MARKET_DATA_IMPORT_SPOOL_DIR',
  'EMBEDDED_DB_TEMPLATE_DIR',
];

/** Every variable validateEnvironment reads (the README's environment table must list each: environment-docs.spec.ts). */
export function environmentVariableNames(): string[] {
  return [...new Set(Object.keys(new EnvironmentVariables()).concat(OPTIONAL_VARIABLES))];
}

/** The defaults declared above, for code that needs one without reading an environment. */
export function environmentDefaults(): EnvironmentVariables {
  return new EnvironmentVariables();
}
