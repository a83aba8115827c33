import { AppConfig } from './app-config';
import { ConfigValidationError, validateEnvironment } from './validate-environment';

describe('environment validation', () => {
  it('applies the documented defaults', () => {
    const c = AppConfig.fromEnv({});
    expect(c).toMatchObject({
      logLevel: 'INFO',
      port: 8005,
      featureStoreUrl: 'http://localhost:8001',
      maxTrainingMemoryGb: 16,
      serviceRole: 'all',
    });
    expect(c.modelRegistryPath.endsWith('model_registry')).toBe(true);
    expect(c.usesEmbeddedDatabase).toBe(true);
    expect(c.apiKey).toBeUndefined();
  });

  it('reads every variable of the seed table', () => {
    const c = AppConfig.fromEnv({
      LOG_LEVEL: 'debug',
      PORT: '9000',
      FEATURE_STORE_URL: 'http://fs:8001/',
      MODEL_REGISTRY_PATH: '/tmp/reg',
      EXPERIMENT_TRACKING_URI: 'http://mlflow:5000',
      API_KEY: 'secret-key-123',
      MAX_TRAINING_MEMORY: '2.5',
      CUDA_VISIBLE_DEVICES: '0,1',
      DATABASE_URL: 'postgres://u@db:5432/x',
      SERVICE_ROLE: 'worker',
    });
    expect(c).toMatchObject({
      logLevel: 'DEBUG',
      port: 9000,
      featureStoreUrl: 'http://fs:8001',
      modelRegistryPath: '/tmp/reg',
      experimentTrackingUri: 'http://mlflow:5000',
      apiKey: 'secret-key-123',
      maxTrainingMemoryGb: 2.5,
      cudaVisibleDevices: '0,1',
      databaseUrl: 'postgres://u@db:5432/x',
      serviceRole: 'worker',
    });
  });

  it('names every bad variable and what it accepts', () => {
    let error: unknown;
    try {
      validateEnvironment({
        PORT: 'abc',
        LOG_LEVEL: 'LOUD',
        MAX_TRAINING_MEMORY: '-1',
        SERVICE_ROLE: 'boss',
        DATABASE_URL: 'mysql://x',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const problems = (error as ConfigValidationError).problems.map((p) => p.variable).sort();
    expect(problems).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'MAX_TRAINING_MEMORY', 'PORT', 'SERVICE_ROLE']);
    const message = (error as Error).message;
    expect(message).toContain('PORT="abc": PORT must be an integer from 1 to 65535');
    expect(message).toContain('LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR');
    expect(message).toContain('MAX_TRAINING_MEMORY must be a positive number');
  });

  it('reads the backtest cost settings: slippage and per-symbol swap points (JSON), naming what is wrong', () => {
    expect(AppConfig.fromEnv({})).toMatchObject({
      backtestSpreadPips: 1,
      backtestSlippagePips: 0,
      backtestSwapPoints: {},
    });
    const c = AppConfig.fromEnv({
      BACKTEST_SLIPPAGE_PIPS: '0.3',
      BACKTEST_SWAP_POINTS: '{"eurusd": {"long": -0.62, "short": 0.18}}',
    });
    expect(c).toMatchObject({
      backtestSlippagePips: 0.3,
      backtestSwapPoints: { 'EUR/USD': { long: -0.62, short: 0.18 } },
    });
    let error: unknown;
    try {
      AppConfig.fromEnv({ BACKTEST_SLIPPAGE_PIPS: '-1', BACKTEST_SWAP_POINTS: '{"EUR/USD": {"long": "x"}}' });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigValidationError).problems.map((p) => p.variable).sort()).toEqual([
      'BACKTEST_SLIPPAGE_PIPS',
      'BACKTEST_SWAP_POINTS',
    ]);
    expect((error as Error).message).toContain('BACKTEST_SWAP_POINTS EUR/USD needs finite numbers "long" and "short"');
  });

  it('reports bad deployment settings together with the other variables', () => {
    let error: unknown;
    try {
      AppConfig.fromEnv({ PORT: 'abc', DEPLOYMENT_TARGETS: 'Bad Name', MONITORING_RETENTION: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const variables = (error as ConfigValidationError).problems.map((p) => p.variable).sort();
    expect(variables).toEqual(['DEPLOYMENT_TARGETS', 'MONITORING_RETENTION', 'PORT']);
  });

  it.each(['api', 'worker'])(
    'refuses SERVICE_ROLE=%s without DATABASE_URL, saying why; accepts it with one',
    (role) => {
      let error: unknown;
      try {
        AppConfig.fromEnv({ SERVICE_ROLE: role });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigValidationError);
      expect((error as ConfigValidationError).problems.map((p) => p.variable)).toEqual(['SERVICE_ROLE']);
      expect((error as Error).message).toContain(`SERVICE_ROLE=${role} needs DATABASE_URL`);
      expect((error as Error).message).toContain('embedded database serves a single process');
      expect(AppConfig.fromEnv({ SERVICE_ROLE: role, DATABASE_URL: 'postgres://u@db:5432/x' }).serviceRole).toBe(role);
      expect(AppConfig.fromEnv({ SERVICE_ROLE: 'all' }).runsWorker).toBe(true);
    },
  );

  it('reads the scale-out, limits and GPU settings with their defaults', () => {
    expect(AppConfig.fromEnv({})).toMatchObject({
      rateLimitPerMinute: 6000,
      predictionBodyLimitBytes: 8_388_608,
      workerDrainSeconds: 20,
      webgpuDawnBackend: 'vulkan',
      gpuAdapter: undefined,
      tfBackend: 'auto',
    });
    expect(
      AppConfig.fromEnv({
        RATE_LIMIT_PER_MINUTE: '0',
        WORKER_DRAIN_SECONDS: '300',
        TF_BACKEND: 'WebGPU',
        WEBGPU_DAWN_BACKEND: 'OpenGLES',
        GPU_ADAPTER: 'NVIDIA',
      }),
    ).toMatchObject({
      rateLimitPerMinute: 0,
      workerDrainSeconds: 300,
      tfBackend: 'webgpu',
      webgpuDawnBackend: 'opengles',
      gpuAdapter: 'NVIDIA',
    });
    expect(() =>
      AppConfig.fromEnv({ WEBGPU_DAWN_BACKEND: 'metal', RATE_LIMIT_PER_MINUTE: '-1', WORKER_DRAIN_SECONDS: 'x' }),
    ).toThrow(/WEBGPU_DAWN_BACKEND[\s\S]*RATE_LIMIT_PER_MINUTE|RATE_LIMIT_PER_MINUTE[\s\S]*WEBGPU_DAWN_BACKEND/);
  });

  it('reads the native engine settings: NATIVE_ENGINE (auto by default), FUSED_RNN_THREADS, FUSED_RNN_SIMD and FUSED_RNN_SPIN_US checked though the addon reads them', () => {
    expect(AppConfig.fromEnv({}).nativeEngine).toBe('auto');
    expect(
      AppConfig.fromEnv({
        NATIVE_ENGINE: ' OFF ',
        FUSED_RNN_THREADS: '2',
        FUSED_RNN_SIMD: 'avx2',
        FUSED_RNN_SPIN_US: '0',
      }).nativeEngine,
    ).toBe('off');
    const message = (() => {
      try {
        AppConfig.fromEnv({
          NATIVE_ENGINE: 'maybe',
          FUSED_RNN_THREADS: '0',
          FUSED_RNN_SIMD: 'sse',
          FUSED_RNN_SPIN_US: '-1',
        });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    for (const m of [
      'NATIVE_ENGINE must be one of auto, on, off',
      'FUSED_RNN_THREADS must be an integer from 1 to 8',
      'FUSED_RNN_SIMD must be avx2 or off',
      'FUSED_RNN_SPIN_US must be an integer from 0 to 100000',
    ])
      expect(message).toContain(m);
    for (const [variable, value] of [
      ['NATIVE_ENGINE', 'maybe'],
      ['FUSED_RNN_THREADS', '0'],
      ['FUSED_RNN_THREADS', '9'],
      ['FUSED_RNN_SIMD', 'sse'],
      ['FUSED_RNN_SPIN_US', '200000'],
      ['FUSED_RNN_SPIN_US', '1.5'],
    ]) {
      expect(() => validateEnvironment({ [variable]: value })).toThrow(variable);
    }
  });

  it.each([
    ['PORT', '0'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['MAX_TRAINING_MEMORY', '0'],
    ['MAX_TRAINING_MEMORY', 'lots'],
    ['FEATURE_STORE_URL', 'not a url'],
  ])('rejects %s=%s', (variable, value) => {
    expect(() => validateEnvironment({ [variable]: value })).toThrow(variable);
  });
});
