import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { HORIZON_GAP_POLICIES, type HorizonGapPolicy } from '../../features/core/dataset/horizon-gaps';
import { FEATURE_SOURCES } from '../../features/dto/features.dto';
import { TIMEFRAMES } from '../../market-data/timeframes';
import { architectureDescription, requestArchitectures } from '../architecture-options';
import { EvaluationDto } from './evaluation.dto';
import { HyperparametersDto } from './hyperparameters.dto';

/** From the architecture registry and the trainers (architecture-options.ts): never listed by hand. */
const ARCHITECTURES = requestArchitectures();

export const MODEL_TYPES = [
  'time_series',
  'classification',
  'reinforcement_learning',
  'anomaly_detection',
  'feature_engineering',
] as const;
const NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** The seed's training request, plus the optional fields the workbench adds. */
export class TrainRequestDto {
  @ApiProperty({ example: 'LSTM Price Predictor' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ enum: MODEL_TYPES, example: 'time_series' })
  @IsIn(MODEL_TYPES)
  model_type: string;

  @ApiProperty({
    example: ['sma_20', 'rsi_14', 'macd', 'bb_width'],
    description:
      'Catalogue feature names (GET /api/v1/features); may be omitted with features_from. For feature_engineering: the candidates to rank',
  })
  @ValidateIf((o: TrainRequestDto) => o.features_from === undefined || o.features !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(64)
  @Matches(NAME, { each: true, message: 'each feature must be a catalogue name such as rsi_14' })
  features: string[];

  @ApiProperty({
    example: 'price_change_1d',
    description: 'price_change_{H}, log_return_{H} (time_series); direction_{H}, regime (classification)',
  })
  @IsString()
  @Matches(NAME, { message: 'target must be a target name such as price_change_1h' })
  target: string;

  @ApiProperty({ example: ['EUR/USD', 'GBP/USD'], description: 'The demo data has EUR/USD and GBP/USD (daily, 1d)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(16, { each: true })
  symbols: string[];

  @ApiProperty({ example: '2015-01-01T00:00:00Z' })
  @IsISO8601({ strict: true })
  start_date: string;

  @ApiProperty({ example: '2024-12-31T00:00:00Z' })
  @IsISO8601({ strict: true })
  end_date: string;

  @ApiPropertyOptional({
    type: HyperparametersDto,
    example: { lstm_units: 32, dropout: 0.2, learning_rate: 0.001, batch_size: 32, epochs: 10 },
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => HyperparametersDto)
  hyperparameters?: HyperparametersDto;

  @ApiPropertyOptional({
    default: 0.2,
    minimum: 0.05,
    maximum: 0.5,
    description: 'Fraction of samples (the part before the test part, by time) used for validation',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.05)
  @Max(0.5)
  validation_split?: number;

  @ApiPropertyOptional({
    default: 0.15,
    minimum: 0.05,
    maximum: 0.5,
    description: 'Fraction of samples (the last part, by time) held out for the test metrics',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.05)
  @Max(0.5)
  test_split?: number;

  @ApiPropertyOptional({
    example: 'lstm_price_predictor',
    description: 'Defaults to a slug of the name; training an existing model id creates its next version',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
    message: 'model_id must be 1–64 lowercase letters, digits, _ or -, starting with a letter or digit',
  })
  model_id?: string;

  @ApiPropertyOptional({ enum: ARCHITECTURES, description: architectureDescription() })
  @IsOptional()
  @IsIn(ARCHITECTURES)
  architecture?: string;

  @ApiPropertyOptional({
    enum: TIMEFRAMES,
    default: '1h',
    example: '1d',
    description: 'Bar timeframe of the data (default 1h; the demo data is 1d)',
  })
  @IsOptional()
  @IsIn(TIMEFRAMES)
  timeframe?: string;

  @ApiPropertyOptional({ default: 30, minimum: 1, maximum: 512, description: 'Lookback window W in bars' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(512)
  window?: number;

  @ApiPropertyOptional({ example: 'Default', description: 'Experiment the run is recorded in (created if needed)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  experiment?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ example: { desk: 'fx-g10' } })
  @IsOptional()
  @IsObject()
  tags?: Record<string, string>;

  @ApiPropertyOptional({
    default: 42,
    description: 'Same data + seed + hyperparameters = same metrics (on the same backend)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2147483647)
  seed?: number;

  @ApiPropertyOptional({
    default: 1,
    minimum: 0,
    maximum: 100,
    description:
      'Backtest cost: the quoted bid/ask spread in pips (each side of a trade pays half of it); default BACKTEST_SPREAD_PIPS',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  spread_pips?: number;

  @ApiPropertyOptional({
    default: 0,
    minimum: 0,
    maximum: 100,
    description:
      'Backtest cost: slippage in pips per side, per unit of position changed; default BACKTEST_SLIPPAGE_PIPS. Overnight financing uses BACKTEST_SWAP_POINTS.',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  slippage_pips?: number;

  @ApiPropertyOptional({
    example: ['2020-03-16T00:00:00Z'],
    description: 'anomaly_detection: known anomalous timestamps, to report precision and recall on the test part',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10000)
  @IsISO8601({ strict: true }, { each: true })
  anomaly_timestamps?: string[];

  @ApiPropertyOptional({
    example: 'eurusd_features@1.0.0',
    description: 'Use the suggested features of a feature_engineering version instead of `features`',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}@\d+\.\d+\.\d+$/, {
    message: 'features_from must be <model_id>@<version> of a feature_engineering model',
  })
  features_from?: string;

  @ApiPropertyOptional({
    enum: ['zscore', 'minmax'],
    default: 'zscore',
    description: 'Scaler fitted on the training part only',
  })
  @IsOptional()
  @IsIn(['zscore', 'minmax'])
  scaler?: 'zscore' | 'minmax';

  @ApiPropertyOptional({
    enum: HORIZON_GAP_POLICIES,
    default: 'keep',
    description:
      "Samples whose horizon spans a gap (a step between bars inside it longer than two bars, or on daily bars than three days: an hourly Friday-evening sample's 1h target is a weekend return): keep them (as before) or drop them from every part. Their count is always recorded in the version's splits.horizon_gaps",
  })
  @IsOptional()
  @IsIn(HORIZON_GAP_POLICIES)
  horizon_gaps?: HorizonGapPolicy;

  @ApiPropertyOptional({
    enum: FEATURE_SOURCES,
    default: 'local',
    description:
      "Where the feature columns come from: local (computed here from the stored bars) or feature_store (fetched from FEATURE_STORE_URL for the symbols over the stored bars' span, aligned on the bars' timestamps; the target, splits, purge and scaler are the same). A bar the store has no row for, or a null value, is never filled: every window over it is left out, and the version's splits.feature_store counts them. Prediction of such a model needs `features` in the request. The store is asked at submission too: down or slow is a 503 then, and the job's failure reason later",
  })
  @IsOptional()
  @IsIn(FEATURE_SOURCES)
  feature_source?: (typeof FEATURE_SOURCES)[number];

  @ApiPropertyOptional({
    type: EvaluationDto,
    example: { method: 'walk_forward', folds: 3, train_window: 'expanding' },
    description:
      'time_series: walk-forward folds instead of the single split (README, "Walk-forward evaluation"); default the single split',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => EvaluationDto)
  evaluation?: EvaluationDto;
}

/**
 * Swagger's request examples (`@ApiBody` of POST /api/v1/models/train): each works as it is
 * against a fresh start with the demo data (test/openapi-examples.e2e-spec.ts sends them).
 */
export const TRAIN_REQUEST_EXAMPLES = {
  demo_data_lstm: {
    summary: 'LSTM on the demo data (daily EUR/USD Fed fixes): a quick first run',
    description:
      'The demo data is daily (timeframe 1d), EUR/USD and GBP/USD. Three epochs on 2020–2024 finish in seconds, to try the whole flow (job → model → predict → deploy); ' +
      'for a model worth evaluating raise epochs (default 100; early stopping keeps the best weights) and widen the date range.',
    value: {
      name: 'LSTM Price Predictor',
      model_type: 'time_series',
      features: ['sma_20', 'rsi_14', 'macd', 'bb_width'],
      target: 'price_change_1d',
      symbols: ['EUR/USD'],
      start_date: '2020-01-01T00:00:00Z',
      end_date: '2024-12-31T00:00:00Z',
      timeframe: '1d',
      hyperparameters: { lstm_units: 32, dropout: 0.2, learning_rate: 0.001, batch_size: 32, epochs: 3 },
      validation_split: 0.2,
    },
  },
};

export class TrainAcceptedDto {
  @ApiProperty({ example: '6f1c2d4e-…' }) job_id: string;
  @ApiProperty({ example: 'lstm_price_predictor' }) model_id: string;
  @ApiProperty({ example: '1.0.0' }) version: string;
  @ApiProperty({ example: 'queued' }) status: 'queued';
}
