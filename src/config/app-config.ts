import * as os from 'node:os';
import * as path from 'node:path';
import { parseDeploymentOptions, DeploymentOptionsError, type DeploymentOptions } from './deployment-options';
import { EnvironmentVariables } from './environment';
import { ConfigValidationError, validateEnvironment } from './validate-environment';
import { describeEnvValue } from './secret-values';
import { defaultTemplateCacheDir } from '../database/template-cache-dir';
import { canonicalSymbol } from '../market-data/symbols';
import { parseSwapTable, type SwapTable } from '../training/evaluation/costs';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
export type ServiceRole = 'all' | 'api' | 'worker';

/** The one typed configuration object every module receives (inject `AppConfig`). */
export class AppConfig {
  readonly logLevel: LogLevel;
  readonly port: number;
  readonly featureStoreUrl: string;
  /** Absolute path: artifacts and (embedded) database live under it. */
  readonly modelRegistryPath: string;
  readonly experimentTrackingUri?: string;
  readonly apiKey?: string;
  readonly maxTrainingMemoryGb: number;
  readonly cudaVisibleDevices?: string;
  readonly databaseUrl?: string;
  readonly databasePoolSize: number;
  readonly serviceRole: ServiceRole;
  readonly bodyLimitBytes: number;
  readonly shutdownGraceMs: number;
  readonly minFreeDiskMb: number;
  /** Load the Federal Reserve demo rates on the first start of an empty embedded database. */
  readonly demoData: boolean;
  readonly importMaxBytes: number;
  /** Directory for the import's row buffer (MARKET_DATA_IMPORT_SPOOL_DIR, else the OS temp dir). */
  readonly importSpoolDir: string;
  readonly featureStoreApiKey?: string;
  readonly featureStoreTimeoutMs: number;
  readonly featureStoreRetries: number;
  readonly tfBackend: 'auto' | 'webgpu' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
  /** NATIVE_ENGINE: the fused LSTM/GRU addon (auto | on | off). */
  readonly nativeEngine: 'auto' | 'on' | 'off';
  /** Dawn's native API under the WebGPU backend. */
  readonly webgpuDawnBackend: 'vulkan' | 'opengles';
  /** Which WebGPU adapter when several exist: an index or a name substring. */
  readonly gpuAdapter?: string;
  /** Requests per minute per API key per replica; 0 = no limit. */
  readonly rateLimitPerMinute: number;
  readonly predictionBodyLimitBytes: number;
  /** Seconds a stopping worker lets its current job finish before handing it back to the queue. */
  readonly workerDrainSeconds: number;
  /** Headers, then a JSON body, must each arrive within this (408). */
  readonly requestTimeoutMs: number;
  /** Longest stall inside any request body, streamed CSV uploads included (408). */
  readonly bodyIdleTimeoutMs: number;
  readonly trainingConcurrency: number;
  readonly trainingHeartbeatSeconds: number;
  /** Default cost per position change in the evaluation backtest (a request may override it). */
  readonly backtestSpreadPips: number;
  /** Default slippage per side in the evaluation backtest, pips (a request may override it). */
  readonly backtestSlippagePips: number;
  /** Overnight swap points per symbol (pips per day, long and short) for the backtest's financing. */
  readonly backtestSwapPoints: SwapTable;
  readonly predictionCacheMaxModels: number;
  readonly predictionCacheMaxBytes: number;
  readonly predictionBatchMaxSize: number;
  readonly predictionBatchMaxWaitMs: number;
  readonly predictionMaxInstances: number;
  readonly predictionEngine: 'auto' | 'onnxruntime' | 'tfjs';
  /** ONNX Runtime worker threads (PREDICTION_THREADS, 0 resolved to the automatic count). */
  readonly predictionThreads: number;
  readonly onnxImportMaxBytes: number;
  /** Worker threads that compute feature values and datasets; requests that wait for one; work per request. */
  readonly featureComputeThreads: number;
  readonly featureComputeQueue: number;
  readonly featureValuesMaxCells: number;
  /** MLflow mirror: bearer token, per-call timeout, retries and first backoff (doubling). */
  readonly experimentTrackingToken?: string;
  readonly experimentTrackingTimeoutMs: number;
  readonly experimentTrackingRetries: number;
  readonly experimentTrackingBackoffMs: number;

  /** Cache of the embedded database's migrated template (null: off, initdb + migrations for each new directory). */
  readonly embeddedTemplateDir: string | null;

  /** Deployment targets, notification URLs and secret, monitoring retention (deployment-options.ts). */
  readonly deployment: DeploymentOptions;

  constructor(env: EnvironmentVariables, deployment: DeploymentOptions = parseDeploymentOptions({})) {
    this.deployment = deployment;
    this.logLevel = env.LOG_LEVEL as LogLevel;
    this.port = env.PORT;
    this.featureStoreUrl = env.FEATURE_STORE_URL.replace(/\/+$/, '');
    this.modelRegistryPath = path.resolve(env.MODEL_REGISTRY_PATH);
    this.experimentTrackingUri = env.EXPERIMENT_TRACKING_URI;
    this.apiKey = env.API_KEY;
    this.maxTrainingMemoryGb = env.MAX_TRAINING_MEMORY;
    this.cudaVisibleDevices = env.CUDA_VISIBLE_DEVICES;
    this.databaseUrl = env.DATABASE_URL;
    this.databasePoolSize = env.DATABASE_POOL_SIZE;
    this.serviceRole = env.SERVICE_ROLE as ServiceRole;
    this.bodyLimitBytes = env.BODY_LIMIT_BYTES;
    this.shutdownGraceMs = env.SHUTDOWN_GRACE_MS;
    this.minFreeDiskMb = env.MIN_FREE_DISK_MB;
    this.demoData = env.DEMO_DATA;
    this.importMaxBytes = env.MARKET_DATA_IMPORT_MAX_BYTES;
    this.importSpoolDir = env.MARKET_DATA_IMPORT_SPOOL_DIR ?? os.tmpdir();
    this.featureStoreApiKey = env.FEATURE_STORE_API_KEY;
    this.featureStoreTimeoutMs = env.FEATURE_STORE_TIMEOUT_MS;
    this.featureStoreRetries = env.FEATURE_STORE_RETRIES;
    this.tfBackend = env.TF_BACKEND as AppConfig['tfBackend'];
    this.nativeEngine = env.NATIVE_ENGINE as AppConfig['nativeEngine'];
    this.webgpuDawnBackend = env.WEBGPU_DAWN_BACKEND as AppConfig['webgpuDawnBackend'];
    this.gpuAdapter = env.GPU_ADAPTER;
    this.rateLimitPerMinute = env.RATE_LIMIT_PER_MINUTE;
    this.predictionBodyLimitBytes = env.PREDICTION_BODY_LIMIT_BYTES;
    this.workerDrainSeconds = env.WORKER_DRAIN_SECONDS;
    this.requestTimeoutMs = env.REQUEST_TIMEOUT_MS;
    this.bodyIdleTimeoutMs = env.BODY_IDLE_TIMEOUT_MS;
    this.trainingConcurrency = env.TRAINING_CONCURRENCY;
    this.trainingHeartbeatSeconds = env.TRAINING_HEARTBEAT_SECONDS;
    this.backtestSpreadPips = env.BACKTEST_SPREAD_PIPS;
    this.backtestSlippagePips = env.BACKTEST_SLIPPAGE_PIPS;
    this.backtestSwapPoints = parseSwapTable(env.BACKTEST_SWAP_POINTS || '{}', canonicalSymbol);
    this.predictionCacheMaxModels = env.PREDICTION_CACHE_MAX_MODELS;
    this.predictionCacheMaxBytes = env.PREDICTION_CACHE_MAX_BYTES;
    this.predictionBatchMaxSize = env.PREDICTION_BATCH_MAX_SIZE;
    this.predictionBatchMaxWaitMs = env.PREDICTION_BATCH_MAX_WAIT_MS;
    this.predictionMaxInstances = env.PREDICTION_MAX_INSTANCES;
    this.predictionEngine = env.PREDICTION_ENGINE as AppConfig['predictionEngine'];
    this.predictionThreads = env.PREDICTION_THREADS || Math.max(1, Math.min(4, os.availableParallelism() - 1));
    this.onnxImportMaxBytes = env.ONNX_IMPORT_MAX_BYTES;
    this.featureComputeThreads = env.FEATURE_COMPUTE_THREADS;
    this.featureComputeQueue = env.FEATURE_COMPUTE_QUEUE;
    this.featureValuesMaxCells = env.FEATURE_VALUES_MAX_CELLS;
    this.experimentTrackingToken = env.EXPERIMENT_TRACKING_TOKEN;
    this.experimentTrackingTimeoutMs = env.EXPERIMENT_TRACKING_TIMEOUT_MS;
    this.experimentTrackingRetries = env.EXPERIMENT_TRACKING_RETRIES;
    this.experimentTrackingBackoffMs = env.EXPERIMENT_TRACKING_BACKOFF_MS;
    const templateDir = env.EMBEDDED_DB_TEMPLATE_DIR?.trim();
    this.embeddedTemplateDir =
      templateDir?.toLowerCase() === 'off' ? null : templateDir ? path.resolve(templateDir) : defaultTemplateCacheDir();
  }

  /** Where the embedded database keeps its files. */
  get embeddedDataDir(): string {
    return path.join(this.modelRegistryPath, '.pgdata');
  }

  /** Whether this process takes training jobs off the queue. */
  get runsWorker(): boolean {
    return this.serviceRole !== 'api';
  }

  get usesEmbeddedDatabase(): boolean {
    return !this.databaseUrl;
  }

  /** Validate everything at once, so the message names every bad variable, not the first. */
  static fromEnv(
    raw: Record<string, string | undefined> = process.env,
    overrides: Partial<Record<string, string>> = {},
  ): AppConfig {
    const merged = { ...raw, ...overrides };
    const problems: ConfigValidationError['problems'] = [];
    let env: EnvironmentVariables | undefined;
    let deployment: DeploymentOptions | undefined;
    try {
      env = validateEnvironment(merged);
    } catch (e) {
      if (!(e instanceof ConfigValidationError)) throw e;
      problems.push(...e.problems);
    }
    try {
      deployment = parseDeploymentOptions(merged);
    } catch (e) {
      if (!(e instanceof DeploymentOptionsError)) throw e;
      for (const message of e.problems) {
        const variable = /^[A-Z_]+/.exec(message)?.[0] ?? 'DEPLOYMENT';
        problems.push({ variable, value: describeEnvValue(variable, merged[variable]), message });
      }
    }
    // Checked beside the other variables (not only once they are valid), so one message names all.
    {
      try {
        parseSwapTable(merged.BACKTEST_SWAP_POINTS || '{}', canonicalSymbol);
      } catch (e) {
        problems.push({
          variable: 'BACKTEST_SWAP_POINTS',
          value: describeEnvValue('BACKTEST_SWAP_POINTS', merged.BACKTEST_SWAP_POINTS),
          message: `BACKTEST_SWAP_POINTS ${(e as Error).message} (e.g. {"EUR/USD": {"long": -0.6, "short": 0.2}})`,
        });
      }
    }
    if (env && env.SERVICE_ROLE !== 'all' && !env.DATABASE_URL) {
      // The embedded database lives inside one process (one PGlite directory, one process:
      // a second opener would lose rows), so api and worker processes cannot share it.
      problems.push({
        variable: 'SERVICE_ROLE',
        value: describeEnvValue('SERVICE_ROLE', merged.SERVICE_ROLE),
        message: `SERVICE_ROLE=${env.SERVICE_ROLE} needs DATABASE_URL: separate api and worker processes share their queue and registry through one PostgreSQL server, and the embedded database serves a single process only. Set DATABASE_URL, or use SERVICE_ROLE=all`,
      });
    }
    if (problems.length) throw new ConfigValidationError(problems, { valuesShown: true });
    return new AppConfig(env!, deployment);
  }
}
