import { AppConfig } from '../config/app-config';
import { DEFAULT_PREDICTION_OPTIONS, predictionOptionsFrom } from './prediction.options';

describe('prediction options', () => {
  it('the defaults are what an empty environment validates to', () => {
    expect(DEFAULT_PREDICTION_OPTIONS).toEqual(predictionOptionsFrom(AppConfig.fromEnv({})));
    expect(DEFAULT_PREDICTION_OPTIONS).toMatchObject({ cacheMaxModels: 8, batchMaxSize: 64, maxInstances: 256 });
  });

  it('takes each PREDICTION_* variable from the validated configuration', () => {
    const config = AppConfig.fromEnv({
      PREDICTION_CACHE_MAX_MODELS: '3',
      PREDICTION_CACHE_MAX_BYTES: '2097152',
      PREDICTION_BATCH_MAX_SIZE: '7',
      PREDICTION_BATCH_MAX_WAIT_MS: '0',
      PREDICTION_MAX_INSTANCES: '11',
    });
    expect(predictionOptionsFrom(config)).toEqual({
      cacheMaxModels: 3,
      cacheMaxBytes: 2097152,
      batchMaxSize: 7,
      batchMaxWaitMs: 0,
      maxInstances: 11,
      resolutionTtlMs: DEFAULT_PREDICTION_OPTIONS.resolutionTtlMs,
    });
  });
});
