import * as os from 'node:os';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  IsUrl,
  Length,
  Max,
  Min,
  MinLength,
} from 'class-validator';

/**
 * The environment the service reads, declared once with every default in this file.
 * Values arrive as strings; the transforms turn them into numbers/booleans so the
 * validators can say what is wrong with each one.
 */
const toNumber = ({ value }: { value: unknown }) =>
  value === undefined || value === ''
    ? undefined
    : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)
      ? Number(value)
      : value;
const toUpper = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value);
const toLower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  return ['true', '1', 'yes'].includes(v) ? true : ['false', '0', 'no'].includes(v) ? false : value;
};

/** One thread per spare core, at most two: the event loop and a training thread need cores too. */
function defaultComputeThreads(): number {
  return Math.max(1, Math.min(2, os.availableParallelism() - 1));
}

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const;
export const SERVICE_ROLES = ['all', 'api', 'worker'] as const;

export class EnvironmentVariables {
  @Transform(toUpper)
  @IsIn(LOG_LEVELS, { message: 'LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR' })
  LOG_LEVEL: string = 'INFO';

  @Transform(toNumber)
  @IsInt({ message: 'PORT must be an integer from 1 to 65535' })
  @Min(1, { message: 'PORT must be an integer from 1 to 65535' })
  @Max(65535, { message: 'PORT must be an integer from 1 to 65535' })
  PORT: number = 8005;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'FEATURE_STORE_URL must be an http(s) URL' })
  FEATURE_STORE_URL: string = 'http://localhost:8001';

  @IsString()
  @MinLength(1, { message: 'MODEL_REGISTRY_PATH must be a non-empty path' })
  MODEL_REGISTRY_PATH: string = './model_registry';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'] },
    { message: 'EXPERIMENT_TRACKING_URI must be an http(s) URL of an MLflow tracking server' },
  )
  EXPERIMENT_TRACKING_URI?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'API_KEY must be at least 8 characters (unset it to turn authentication off)' })
  API_KEY?: string;

  @Transform(toNumber)
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'MAX_TRAINING_MEMORY must be a positive number of gigabytes (e.g. 16)' },
  )
  @IsPositive({ message: 'MAX_TRAINING_MEMORY must be a positive number of gigabytes (e.g. 16)' })
  MAX_TRAINING_MEMORY: number = 16;

  @IsOptional()
  @IsString()
  CUDA_VISIBLE_DEVICES?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['postgres', 'postgresql'] },
    { message: 'DATABASE_URL must be a postgres:// URL (unset it to use the embedded database)' },
  )
  DATABASE_URL?: string;

  @Transform(toNumber)
  @IsInt({ message: 'DATABASE_POOL_SIZE must be an integer from 1 to 100' })
  @Min(1, { message: 'DATABASE_POOL_SIZE must be an integer from 1 to 100' })
  @Max(100, { message: 'DATABASE_POOL_SIZE must be an integer from 1 to 100' })
  DATABASE_POOL_SIZE: number = 10;

  @Transform(toLower)
  @IsIn(SERVICE_ROLES, { message: 'SERVICE_ROLE must be one of all, api, worker' })
  SERVICE_ROLE: string = 'all';

  @Transform(toNumber)
  @IsInt({ message: 'BODY_LIMIT_BYTES must be an integer number of bytes from 1024 to 1073741824' })
  @Min(1024, { message: 'BODY_LIMIT_BYTES must be an integer number of bytes from 1024 to 1073741824' })
  @Max(1073741824, { message: 'BODY_LIMIT_BYTES must be an integer number of bytes from 1024 to 1073741824' })
  BODY_LIMIT_BYTES: number = 1_048_576;

  @Transform(toNumber)
  @IsInt({ message: 'SHUTDOWN_GRACE_MS must be an integer number of milliseconds from 0 to 600000' })
  @Min(0, { message: 'SHUTDOWN_GRACE_MS must be an integer number of milliseconds from 0 to 600000' })
  @Max(600000, { message: 'SHUTDOWN_GRACE_MS must be an integer number of milliseconds from 0 to 600000' })
  SHUTDOWN_GRACE_MS: number = 10_000;

  @Transform(toNumber)
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'MIN_FREE_DISK_MB must be a non-negative number of megabytes' },
  )
  @Min(0, { message: 'MIN_FREE_DISK_MB must be a non-negative number of megabytes' })
  MIN_FREE_DISK_MB: number = 512;

  @Transform(toBoolean)
  @IsBoolean({ message: 'DEMO_DATA must be true or false' })
  DEMO_DATA: boolean = true;

  @Transform(toNumber)
  @IsInt({ message: 'MARKET_DATA_IMPORT_MAX_BYTES must be an integer number of bytes from 1024 to 4294967296' })
  @Min(1024, { message: 'MARKET_DATA_IMPORT_MAX_BYTES must be an integer number of bytes from 1024 to 4294967296' })
  @Max(4294967296, {
    message: 'MARKET_DATA_IMPORT_MAX_BYTES must be an integer number of bytes from 1024 to 4294967296',
  })
  MARKET_DATA_IMPORT_MAX_BYTES: number = 268_435_456;

  /** Where a CSV import buffers its accepted rows before writing them (default: the OS temp dir). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  MARKET_DATA_IMPORT_SPOOL_DIR?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  FEATURE_STORE_API_KEY?: string;

  @Transform(toNumber)
  @IsInt({ message: 'FEATURE_STORE_TIMEOUT_MS must be an integer number of milliseconds from 100 to 120000' })
  @Min(100, { message: 'FEATURE_STORE_TIMEOUT_MS must be an integer number of milliseconds from 100 to 120000' })
  @Max(120000, { message: 'FEATURE_STORE_TIMEOUT_MS must be an integer number of milliseconds from 100 to 120000' })
  FEATURE_STORE_TIMEOUT_MS: number = 5000;

  @Transform(toNumber)
  @IsInt({ message: 'FEATURE_STORE_RETRIES must be an integer from 0 to 10' })
  @Min(0, { message: 'FEATURE_STORE_RETRIES must be an integer from 0 to 10' })
  @Max(10, { message: 'FEATURE_STORE_RETRIES must be an integer from 0 to 10' })
  FEATURE_STORE_RETRIES: number = 3;

  @Transform(toLower)
  @IsIn(['auto', 'webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'], {
    message: 'TF_BACKEND must be one of auto, webgpu, tensorflow-gpu, tensorflow, wasm, cpu',
  })
  TF_BACKEND: string = 'auto';

  /** The fused LSTM/GRU addon (native/fused-rnn): auto = where it built; on = required; off = tfjs-layers' own cells. */
  @Transform(toLower)
  @IsIn(['auto', 'on', 'off'], { message: 'NATIVE_ENGINE must be one of auto, on, off' })
  NATIVE_ENGINE: string = 'auto';

  /** Threads one native-engine layer call may use (read by the addon itself; default: the CPU count, at most 8). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'FUSED_RNN_THREADS must be an integer from 1 to 8' })
  @Min(1, { message: 'FUSED_RNN_THREADS must be an integer from 1 to 8' })
  @Max(8, { message: 'FUSED_RNN_THREADS must be an integer from 1 to 8' })
  FUSED_RNN_THREADS?: number;

  /** Caps the native engine's SIMD kernels (read by the addon itself): avx2, or off (portable C++). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['avx2', 'off'], { message: 'FUSED_RNN_SIMD must be avx2 or off (unset: the widest the CPU has)' })
  FUSED_RNN_SIMD?: string;

  /** How long an idle native-engine worker polls for the next call before it sleeps, µs (read by the addon itself; default 300). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'FUSED_RNN_SPIN_US must be an integer from 0 to 100000 (microseconds)' })
  @Min(0, { message: 'FUSED_RNN_SPIN_US must be an integer from 0 to 100000 (microseconds)' })
  @Max(100000, { message: 'FUSED_RNN_SPIN_US must be an integer from 0 to 100000 (microseconds)' })
  FUSED_RNN_SPIN_US?: number;

  /** Which of Dawn's native APIs the WebGPU backend drives: Vulkan (GPUs) or OpenGL ES (compatibility, Mesa). */
  @Transform(toLower)
  @IsIn(['vulkan', 'opengles'], { message: 'WEBGPU_DAWN_BACKEND must be one of vulkan, opengles' })
  WEBGPU_DAWN_BACKEND: string = 'vulkan';

  /** The WebGPU adapter to use when several exist: its index in Dawn's list, or a substring of its name. */
  @IsOptional()
  @IsString()
  @Length(1, 200, { message: 'GPU_ADAPTER must be an adapter index or a part of its name (1 to 200 characters)' })
  GPU_ADAPTER?: string;

  @Transform(toNumber)
  @IsInt({ message: 'TRAINING_CONCURRENCY must be an integer from 1 to 16' })
  @Min(1, { message: 'TRAINING_CONCURRENCY must be an integer from 1 to 16' })
  @Max(16, { message: 'TRAINING_CONCURRENCY must be an integer from 1 to 16' })
  TRAINING_CONCURRENCY: number = 1;

  @Transform(toNumber)
  @IsInt({ message: 'TRAINING_HEARTBEAT_SECONDS must be an integer from 10 to 3600' })
  @Min(10, { message: 'TRAINING_HEARTBEAT_SECONDS must be an integer from 10 to 3600' })
  @Max(3600, { message: 'TRAINING_HEARTBEAT_SECONDS must be an integer from 10 to 3600' })
  TRAINING_HEARTBEAT_SECONDS: number = 30;

  @Transform(toNumber)
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'BACKTEST_SPREAD_PIPS must be a non-negative number of pips' },
  )
  @Min(0, { message: 'BACKTEST_SPREAD_PIPS must be a non-negative number of pips' })
  BACKTEST_SPREAD_PIPS: number = 1;

  @Transform(toNumber)
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'BACKTEST_SLIPPAGE_PIPS must be a non-negative number of pips (per side)' },
  )
  @Min(0, { message: 'BACKTEST_SLIPPAGE_PIPS must be a non-negative number of pips (per side)' })
  BACKTEST_SLIPPAGE_PIPS: number = 0;

  /** JSON: symbol → {"long": pips/day, "short": pips/day}; checked in AppConfig.fromEnv. */
  @IsString()
  BACKTEST_SWAP_POINTS: string = '{}';

  @Transform(toNumber)
  @IsInt({ message: 'PREDICTION_CACHE_MAX_MODELS must be an integer (models) from 1 to 1000' })
  @Min(1, { message: 'PREDICTION_CACHE_MAX_MODELS must be an integer (models) from 1 to 1000' })
  @Max(1000, { message: 'PREDICTION_CACHE_MAX_MODELS must be an integer (models) from 1 to 1000' })
  PREDICTION_CACHE_MAX_MODELS: number = 8;

  @Transform(toNumber)
  @IsInt({ message: 'PREDICTION_CACHE_MAX_BYTES must be an integer (bytes) from 1048576 to 68719476736' })
  @Min(1048576, { message: 'PREDICTION_CACHE_MAX_BYTES must be an integer (bytes) from 1048576 to 68719476736' })
  @Max(68719476736, { message: 'PREDICTION_CACHE_MAX_BYTES must be an integer (bytes) from 1048576 to 68719476736' })
  PREDICTION_CACHE_MAX_BYTES: number = 536_870_912;

  @Transform(toNumber)
  @IsInt({ message: 'PREDICTION_BATCH_MAX_SIZE must be an integer (windows) from 1 to 4096' })
  @Min(1, { message: 'PREDICTION_BATCH_MAX_SIZE must be an integer (windows) from 1 to 4096' })
  @Max(4096, { message: 'PREDICTION_BATCH_MAX_SIZE must be an integer (windows) from 1 to 4096' })
  PREDICTION_BATCH_MAX_SIZE: number = 64;

  @Transform(toNumber)
  @IsInt({ message: 'PREDICTION_BATCH_MAX_WAIT_MS must be an integer (milliseconds) from 0 to 1000' })
  @Min(0, { message: 'PREDICTION_BATCH_MAX_WAIT_MS must be an integer (milliseconds) from 0 to 1000' })
  @Max(1000, { message: 'PREDICTION_BATCH_MAX_WAIT_MS must be an integer (milliseconds) from 0 to 1000' })
  PREDICTION_BATCH_MAX_WAIT_MS: number = 2;

  @Transform(toNumber)
  @IsInt({ message: 'PREDICTION_MAX_INSTANCES must be an integer (instances per batch request) from 1 to 100000' })
  @Min(1, { message: 'PREDICTION_MAX_INSTANCES must be an integer (instances per batch request) from 1 to 100000' })
  @Max(100000, {
    message: 'PREDICTION_MAX_INSTANCES must be an integer (instances per batch request) from 1 to 100000',
  })
  PREDICTION_MAX_INSTANCES: number = 256;

  /** Which engine serves a model: auto (measured per model at load), onnxruntime, or tfjs. */
  @IsIn(['auto', 'onnxruntime', 'tfjs'], { message: 'PREDICTION_ENGINE must be one of auto, onnxruntime, tfjs' })
  PREDICTION_ENGINE: string = 'auto';

  /** ONNX Runtime worker threads for forward passes; 0 = one per core beyond the first (at least 1, at most 4). */
  @Transform(toNumber)
  @IsInt({ message: 'PREDICTION_THREADS must be an integer from 0 (automatic) to 64' })
  @Min(0, { message: 'PREDICTION_THREADS must be an integer from 0 (automatic) to 64' })
  @Max(64, { message: 'PREDICTION_THREADS must be an integer from 0 (automatic) to 64' })
  PREDICTION_THREADS: number = 0;

  /** Largest ONNX file POST /api/v1/models/import accepts. */
  @Transform(toNumber)
  @IsInt({ message: 'ONNX_IMPORT_MAX_BYTES must be an integer number of bytes from 1024 to 1073741824' })
  @Min(1024, { message: 'ONNX_IMPORT_MAX_BYTES must be an integer number of bytes from 1024 to 1073741824' })
  @Max(1073741824, { message: 'ONNX_IMPORT_MAX_BYTES must be an integer number of bytes from 1024 to 1073741824' })
  ONNX_IMPORT_MAX_BYTES: number = 67_108_864;

  @Transform(toNumber)
  @IsInt({ message: 'FEATURE_COMPUTE_THREADS must be an integer from 1 to 16' })
  @Min(1, { message: 'FEATURE_COMPUTE_THREADS must be an integer from 1 to 16' })
  @Max(16, { message: 'FEATURE_COMPUTE_THREADS must be an integer from 1 to 16' })
  FEATURE_COMPUTE_THREADS: number = defaultComputeThreads();

  @Transform(toNumber)
  @IsInt({ message: 'FEATURE_COMPUTE_QUEUE must be an integer from 0 to 1000' })
  @Min(0, { message: 'FEATURE_COMPUTE_QUEUE must be an integer from 0 to 1000' })
  @Max(1000, { message: 'FEATURE_COMPUTE_QUEUE must be an integer from 0 to 1000' })
  FEATURE_COMPUTE_QUEUE: number = 16;

  @Transform(toNumber)
  @IsInt({ message: 'FEATURE_VALUES_MAX_CELLS must be an integer from 1000 to 1000000000' })
  @Min(1000, { message: 'FEATURE_VALUES_MAX_CELLS must be an integer from 1000 to 1000000000' })
  @Max(1_000_000_000, { message: 'FEATURE_VALUES_MAX_CELLS must be an integer from 1000 to 1000000000' })
  FEATURE_VALUES_MAX_CELLS: number = 2_000_000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  EXPERIMENT_TRACKING_TOKEN?: string;

  @Transform(toNumber)
  @IsInt({ message: 'EXPERIMENT_TRACKING_TIMEOUT_MS must be an integer number of milliseconds from 50 to 120000' })
  @Min(50, { message: 'EXPERIMENT_TRACKING_TIMEOUT_MS must be an integer number of milliseconds from 50 to 120000' })
  @Max(120000, {
    message: 'EXPERIMENT_TRACKING_TIMEOUT_MS must be an integer number of milliseconds from 50 to 120000',
  })
  EXPERIMENT_TRACKING_TIMEOUT_MS: number = 5000;

  @Transform(toNumber)
  @IsInt({ message: 'EXPERIMENT_TRACKING_RETRIES must be an integer from 0 to 50' })
  @Min(0, { message: 'EXPERIMENT_TRACKING_RETRIES must be an integer from 0 to 50' })
  @Max(50, { message: 'EXPERIMENT_TRACKING_RETRIES must be an integer from 0 to 50' })
  EXPERIMENT_TRACKING_RETRIES: number = 8;

  @Transform(toNumber)
  @IsInt({ message: 'EXPERIMENT_TRACKING_BACKOFF_MS must be an integer number of milliseconds from 10 to 600000' })
  @Min(10, { message: 'EXPERIMENT_TRACKING_BACKOFF_MS must be an integer number of milliseconds from 10 to 600000' })
  @Max(600000, {
    message: 'EXPERIMENT_TRACKING_BACKOFF_MS must be an integer number of milliseconds from 10 to 600000',
  })
  EXPERIMENT_TRACKING_BACKOFF_MS: number = 1000;

  /** Requests per minute allowed to one API key (or one client address without a key) on one replica; 0 turns the limit off. */
  @Transform(toNumber)
  @IsInt({ message: 'RATE_LIMIT_PER_MINUTE must be an integer from 0 (off) to 1000000' })
  @Min(0, { message: 'RATE_LIMIT_PER_MINUTE must be an integer from 0 (off) to 1000000' })
  @Max(1_000_000, { message: 'RATE_LIMIT_PER_MINUTE must be an integer from 0 (off) to 1000000' })
  RATE_LIMIT_PER_MINUTE: number = 6000;

  /** Body limit of the prediction routes (instances can be large windows); other JSON routes use BODY_LIMIT_BYTES. */
  @Transform(toNumber)
  @IsInt({ message: 'PREDICTION_BODY_LIMIT_BYTES must be an integer number of bytes from 1024 to 1073741824' })
  @Min(1024, { message: 'PREDICTION_BODY_LIMIT_BYTES must be an integer number of bytes from 1024 to 1073741824' })
  @Max(1073741824, {
    message: 'PREDICTION_BODY_LIMIT_BYTES must be an integer number of bytes from 1024 to 1073741824',
  })
  PREDICTION_BODY_LIMIT_BYTES: number = 8_388_608;

  /**
   * Slow clients: the request headers, and then a JSON body, must each arrive within this
   * (408 in the envelope otherwise). Streamed CSV uploads are bounded by BODY_IDLE_TIMEOUT_MS
   * instead, since their pace is also the importer's.
   */
  @Transform(toNumber)
  @IsInt({ message: 'REQUEST_TIMEOUT_MS must be an integer number of milliseconds from 100 to 3600000' })
  @Min(100, { message: 'REQUEST_TIMEOUT_MS must be an integer number of milliseconds from 100 to 3600000' })
  @Max(3_600_000, { message: 'REQUEST_TIMEOUT_MS must be an integer number of milliseconds from 100 to 3600000' })
  REQUEST_TIMEOUT_MS: number = 60_000;

  /** The longest a request body may stall (no bytes arriving while the service waits for them), on every route. */
  @Transform(toNumber)
  @IsInt({ message: 'BODY_IDLE_TIMEOUT_MS must be an integer number of milliseconds from 100 to 3600000' })
  @Min(100, { message: 'BODY_IDLE_TIMEOUT_MS must be an integer number of milliseconds from 100 to 3600000' })
  @Max(3_600_000, { message: 'BODY_IDLE_TIMEOUT_MS must be an integer number of milliseconds from 100 to 3600000' })
  BODY_IDLE_TIMEOUT_MS: number = 30_000;

  /** How long a stopping worker lets its current training job run before handing it back to the queue. */
  @Transform(toNumber)
  @IsInt({ message: 'WORKER_DRAIN_SECONDS must be an integer number of seconds from 0 to 86400' })
  @Min(0, { message: 'WORKER_DRAIN_SECONDS must be an integer number of seconds from 0 to 86400' })
  @Max(86400, { message: 'WORKER_DRAIN_SECONDS must be an integer number of seconds from 0 to 86400' })
  WORKER_DRAIN_SECONDS: number = 20;

  /** Where the migrated template a new embedded database is copied from is cached; `off` runs initdb + migrations instead (src/database/embedded-template.ts). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'EMBEDDED_DB_TEMPLATE_DIR must be a directory path or off' })
  EMBEDDED_DB_TEMPLATE_DIR?: string;
}
