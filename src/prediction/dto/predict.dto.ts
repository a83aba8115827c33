import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Allow, IsOptional } from 'class-validator';

/*
 * Only the top-level field names are checked here (unknown fields are a 422 by the global
 * pipe); the values are checked by PredictionService, which knows the model and says what
 * to send (missing/extra features, window length, finite numbers, trained symbols).
 */

const FEATURES_SCHEMA = {
  type: 'object',
  additionalProperties: { type: 'array', items: { type: 'number' } },
  example: {
    sma_20: [1.1012, 1.1015, 1.102],
    rsi_14: [45.2, 46.8, 48.3],
    macd: [0.0012, 0.0015, 0.0018],
    bb_width: [0.0025, 0.0024, 0.0028],
  },
  description:
    "Exactly the model's features (GET /api/v1/models/{model_id}/versions/{version} → features), each an array of finite numbers, oldest first, all of one length and at least the model's window long; the last `window` values are used, scaled with the model's stored scaler. Leave out to build the latest window from stored market data.",
} as const;

export class PredictInstanceDto {
  @ApiPropertyOptional({ example: 'EUR/USD', description: 'Defaults to the request’s symbol' })
  symbol?: string;

  @ApiPropertyOptional({ example: '1d', description: 'Defaults to the request’s timeframe' })
  timeframe?: string;

  @ApiPropertyOptional(FEATURES_SCHEMA)
  features?: Record<string, number[]>;
}

export class PredictRequestDto {
  @ApiPropertyOptional({
    example: 'EUR/USD',
    description:
      'The currency pair (required for one window; the default for instances). A symbol the model was not trained on is a 422 unless allow_other_symbol is true.',
  })
  @IsOptional()
  @Allow()
  symbol?: string;

  @ApiPropertyOptional({
    example: '1d',
    description: 'The bar size; must be the one the model was trained on (the demo data is 1d)',
  })
  @IsOptional()
  @Allow()
  timeframe?: string;

  @ApiPropertyOptional(FEATURES_SCHEMA)
  @IsOptional()
  @Allow()
  features?: Record<string, number[]>;

  @ApiPropertyOptional({
    example: '1.0.0',
    description:
      "A version to use, or a model alias written `@<alias>` (e.g. `@champion`, see PUT /api/v1/models/{model_id}/aliases/{alias}), resolved when the request arrives; the answer's `version` is the one that answered and `alias` the alias asked for. " +
      'Unknown alias: 404 ALIAS_NOT_FOUND. Default: the version deployed (if exactly one), else the latest trained',
  })
  @IsOptional()
  @Allow()
  version?: string;

  @ApiPropertyOptional({
    example: 'strategy_engine',
    description: 'A deployment target: use the version deployed there, and compute `signal` with its scaling_factor',
  })
  @IsOptional()
  @Allow()
  target?: string;

  @ApiPropertyOptional({ default: false, description: 'Apply the model to a symbol it was not trained on' })
  @IsOptional()
  @Allow()
  allow_other_symbol?: boolean;

  @ApiPropertyOptional({
    example: 'order-20250312-0001',
    description:
      'Through a deployment target with a canary: keys the split (1–200 characters; the header X-Request-Key does the same). The canary answers when the first 32 bits of SHA-256(key) / 2^32 < canary_share, so the same key always gets the same version; without a key the draw is random',
  })
  @IsOptional()
  @Allow()
  request_key?: string;

  @ApiPropertyOptional({
    type: [PredictInstanceDto],
    description:
      'Batch form: many windows in one request (at most PREDICTION_MAX_INSTANCES, default 256: 413 above). Do not send `features` with it.',
  })
  @IsOptional()
  @Allow()
  instances?: PredictInstanceDto[];
}

/** A 30-bar window (the train example's window) of the train example's four features, oldest first: plausible daily EUR/USD values. */
const WINDOW_EXAMPLE = {
  sma_20: Array.from({ length: 30 }, (_, i) => Number((1.0812 + 0.0004 * i).toFixed(4))),
  rsi_14: Array.from({ length: 30 }, (_, i) => Number((48 + 6 * Math.sin(i / 4)).toFixed(1))),
  macd: Array.from({ length: 30 }, (_, i) => Number((0.0012 * Math.sin(i / 5)).toFixed(5))),
  bb_width: Array.from({ length: 30 }, (_, i) => Number((0.021 + 0.004 * Math.cos(i / 6)).toFixed(4))),
};

/**
 * Swagger's request examples (`@ApiBody` of POST /api/v1/models/{model_id}/predict), for the
 * model the train example makes (daily EUR/USD, window 30, sma_20 rsi_14 macd bb_width); each
 * works as it is once that model exists (test/openapi-examples.e2e-spec.ts sends them).
 */
export const PREDICT_REQUEST_EXAMPLES = {
  latest_window: {
    summary: 'The latest window, built from the stored bars',
    description: 'Without features the service computes them from stored market data, with the code used in training.',
    value: { symbol: 'EUR/USD', timeframe: '1d' },
  },
  explicit_features: {
    summary: "The seed's body: one window of features",
    description: "Exactly the model's features, each at least its window (30) long, oldest first.",
    value: { symbol: 'EUR/USD', timeframe: '1d', features: WINDOW_EXAMPLE },
  },
  through_deployment: {
    summary: 'Through a deployment target (adds the signal)',
    description:
      'Uses the version deployed to strategy_engine (deploy it first) and scales the prediction by its scaling_factor.',
    value: { symbol: 'EUR/USD', timeframe: '1d', target: 'strategy_engine' },
  },
  by_alias: {
    summary: 'By alias: the version @champion points at now',
    description:
      'Set the alias first (PUT /api/v1/models/{model_id}/aliases/champion); the answer names the version that answered.',
    value: { symbol: 'EUR/USD', timeframe: '1d', version: '@champion' },
  },
  batch: {
    summary: 'Several windows in one request',
    value: {
      symbol: 'EUR/USD',
      timeframe: '1d',
      instances: [{ features: WINDOW_EXAMPLE }, { symbol: 'EUR/USD', features: WINDOW_EXAMPLE }],
    },
  },
};

export class RegressionPredictionDto {
  @ApiProperty({ example: 'price_change_1h', nullable: true })
  target: string | null;
  @ApiProperty({
    example: 0.00042,
    description:
      'The predicted target in its own units (e.g. the fractional price change over the horizon); the network’s standardised output mapped back with the stored target scaler',
  })
  value: number;
  @ApiProperty({ example: 1, nullable: true })
  horizon_bars: number | null;
}

export class ClassificationPredictionDto {
  @ApiProperty({ example: 'up' })
  class: string;
  @ApiProperty({ example: { down: 0.2, flat: 0.3, up: 0.5 }, type: 'object', additionalProperties: { type: 'number' } })
  probabilities: Record<string, number>;
}

export class AnomalyPredictionDto {
  @ApiProperty({ example: 0.82 })
  score: number;
  @ApiProperty({ example: false })
  is_anomaly: boolean;
  @ApiProperty({ example: 1.5, description: 'score > threshold is an anomaly' })
  threshold: number;
}

export class RlPredictionDto {
  @ApiProperty({ example: 'buy' })
  action: string;
  @ApiProperty({
    example: { sell: -0.1, hold: 0.05, buy: 0.3 },
    type: 'object',
    additionalProperties: { type: 'number' },
  })
  q_values: Record<string, number>;
}

export const PREDICTION_MODELS = [
  RegressionPredictionDto,
  ClassificationPredictionDto,
  AnomalyPredictionDto,
  RlPredictionDto,
];

const PREDICTION_SCHEMA = {
  oneOf: PREDICTION_MODELS.map((m) => ({ $ref: getSchemaPath(m) })),
  description:
    'By model type — regression (time_series): {target, value, horizon_bars}; classification: {class, probabilities}; anomaly: {score, is_anomaly, threshold}; reinforcement learning: {action, q_values}',
};

export const SIGNAL_DESCRIPTION =
  'The trading signal of the deployment named by `target` (null without a target): regression — predicted change × scaling_factor; classification — (P(up) − P(down)) × scaling_factor for direction classes, (P(trending_up) − P(trending_down)) × scaling_factor for regimes, null for other classes; anomaly — null (a score has no direction); reinforcement learning — the action’s position (buy/long +1, hold/flat 0, sell/short −1) × scaling_factor, null for other actions.';

export class PredictResponseDto {
  @ApiProperty({ example: 'lstm_price_predictor' })
  model_id: string;
  @ApiProperty({ example: '1.0.0', description: 'The version that answered (also in the X-Model-Version header)' })
  version: string;
  @ApiPropertyOptional({
    example: 'champion',
    description:
      'Only when the request named the version by an alias (`"version": "@champion"`): that alias; `version` is the version it resolved to',
  })
  alias?: string;

  @ApiPropertyOptional({
    enum: ['active', 'canary'],
    description:
      'Only through a deployment target: which of its versions answered — the active one, or its canary (POST /models/{model_id}/deploy with "mode": "canary"); `version` says which version that is',
  })
  role?: string;
  @ApiProperty({ example: 'time_series' })
  model_type: string;
  @ApiProperty({ example: 'EUR/USD' })
  symbol: string;
  @ApiProperty({ example: '1h' })
  timeframe: string;
  @ApiProperty(PREDICTION_SCHEMA)
  prediction: RegressionPredictionDto | ClassificationPredictionDto | AnomalyPredictionDto | RlPredictionDto;
  @ApiProperty({ type: Number, nullable: true, example: null, description: SIGNAL_DESCRIPTION })
  signal: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'When the window was built from stored bars: the open time of the last bar it ends on',
  })
  as_of: string | null;
  @ApiPropertyOptional({
    type: Boolean,
    example: true,
    description:
      "Only when the window was built from stored bars and the horizon the model predicts will span a gap (on intraday bars: it reaches past Friday's close into the weekend); see README, Datasets",
  })
  horizon_gap?: true;
  @ApiProperty({ example: '2025-03-12T10:15:22.123Z' })
  timestamp: string;
  @ApiProperty({ example: 2.4, description: 'Time in the service: validation, batching and the forward pass' })
  latency_ms: number;
}

export class BatchPredictionItemDto {
  @ApiProperty({ example: 'EUR/USD' })
  symbol: string;
  @ApiProperty({ example: '1h' })
  timeframe: string;
  @ApiProperty(PREDICTION_SCHEMA)
  prediction: RegressionPredictionDto | ClassificationPredictionDto | AnomalyPredictionDto | RlPredictionDto;
  @ApiProperty({ type: Number, nullable: true, description: SIGNAL_DESCRIPTION })
  signal: number | null;
  @ApiProperty({ type: String, nullable: true })
  as_of: string | null;
  @ApiPropertyOptional({
    type: Boolean,
    example: true,
    description: 'As in the single answer: the horizon will span a gap',
  })
  horizon_gap?: true;
}

export class PredictBatchResponseDto {
  @ApiProperty({ example: 'lstm_price_predictor' })
  model_id: string;
  @ApiProperty({ example: '1.0.0', description: 'The version that answered (also in the X-Model-Version header)' })
  version: string;
  @ApiPropertyOptional({
    example: 'champion',
    description:
      'Only when the request named the version by an alias (`"version": "@champion"`): that alias; `version` is the version it resolved to',
  })
  alias?: string;

  @ApiPropertyOptional({
    enum: ['active', 'canary'],
    description:
      'Only through a deployment target: which of its versions answered — the active one, or its canary (POST /models/{model_id}/deploy with "mode": "canary"); `version` says which version that is',
  })
  role?: string;
  @ApiProperty({ example: 'time_series' })
  model_type: string;
  @ApiProperty({ example: 2 })
  count: number;
  @ApiProperty({ type: [BatchPredictionItemDto], description: 'One per instance, in order' })
  predictions: BatchPredictionItemDto[];
  @ApiProperty({ example: '2025-03-12T10:15:22.123Z' })
  timestamp: string;
  @ApiProperty({ example: 4.1 })
  latency_ms: number;
}
