import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PaginationQuery } from '../../common/http/pagination.dto';
import { VALIDATION_METRICS } from '../objective';
import { STRATEGY_NAMES } from '../strategies';

export const MAX_TRIALS = 500;
export const MAX_PARALLELISM = 32;

export class SweepObjectiveDto {
  @ApiProperty({
    example: 'val_loss',
    description: `A validation metric: ${Object.entries(VALIDATION_METRICS)
      .map(([k, v]) => `${k} (${v.description})`)
      .join('; ')}. Test-part metrics are refused (422).`,
  })
  @IsString()
  @MaxLength(64)
  metric: string;

  @ApiPropertyOptional({ enum: ['minimize', 'maximize'], description: "Defaults to the metric's natural direction" })
  @IsOptional()
  @IsIn(['minimize', 'maximize'])
  direction?: 'minimize' | 'maximize';
}

export class EarlyStoppingDto {
  @ApiPropertyOptional({
    enum: ['median', 'none'],
    default: 'median',
    description:
      'median: stop a trial whose best value so far is worse than the median of the finished trials at the same epoch',
  })
  @IsOptional()
  @IsIn(['median', 'none'])
  rule?: 'median' | 'none';

  @ApiPropertyOptional({
    default: 1,
    minimum: 0,
    maximum: 1000,
    description: 'Epochs a trial always runs before it can be stopped',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  warmup_epochs?: number;

  @ApiPropertyOptional({
    default: 3,
    minimum: 1,
    maximum: 100,
    description: 'Finished trials needed before the rule stops any trial',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  min_trials?: number;
}

export class CreateSweepDto {
  @ApiProperty({ example: 'lstm units × learning rate' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'A train request (as POST /api/v1/models/train takes it); each trial is this request with its parameters written in',
    example: {
      name: 'EURUSD LSTM',
      model_type: 'time_series',
      features: ['returns_1', 'zscore_20'],
      target: 'price_change_1d',
      symbols: ['EUR/USD'],
      timeframe: '1d',
      start_date: '2000-01-01T00:00:00Z',
      end_date: '2010-01-01T00:00:00Z',
      window: 10,
      hyperparameters: { epochs: 5, batch_size: 64 },
    },
  })
  @IsObject()
  base: Record<string, unknown>;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'Parameter path → {"type":"choice","values":[…]} | {"type":"int","min","max","log"?} | {"type":"float","min","max","log"?,"steps"?} (steps: grid points of a float range)',
    example: {
      'hyperparameters.units': { type: 'choice', values: [16, 32] },
      'hyperparameters.learning_rate': { type: 'float', min: 0.0001, max: 0.01, log: true },
    },
  })
  @IsObject()
  space: Record<string, unknown>;

  @ApiProperty({
    enum: STRATEGY_NAMES,
    example: 'tpe',
    description: 'grid: every combination in order; random: seeded draws; tpe: Tree-structured Parzen Estimator',
  })
  @IsIn(STRATEGY_NAMES)
  strategy: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_TRIALS,
    example: 4,
    description: 'Trial budget (default: the grid size for grid, 10 otherwise; a grid never runs more than its size)',
  })
  @IsOptional()
  @IsInt({ message: 'max_trials (the trial budget) must be an integer' })
  @Min(1, { message: 'max_trials (the trial budget) must be at least 1' })
  @Max(MAX_TRIALS)
  max_trials?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 7 * 86400,
    example: 1800,
    description: 'Wall-time budget: no new trial starts after this many seconds (running ones finish)',
  })
  @IsOptional()
  @IsInt()
  @Min(1, { message: 'max_duration_seconds (the wall-time budget) must be at least 1' })
  @Max(7 * 86400)
  max_duration_seconds?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_PARALLELISM,
    default: 2,
    description: 'Trials queued or running at once (spread over every worker replica)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PARALLELISM)
  parallelism?: number;

  @ApiProperty({ type: SweepObjectiveDto })
  @IsDefined({ message: 'objective is required: {"metric": "val_loss", "direction": "minimize"}' })
  @IsObject()
  @ValidateNested()
  @Type(() => SweepObjectiveDto)
  objective: SweepObjectiveDto;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 2147483647,
    default: 0,
    description: 'Seeds the proposals: the same sweep with the same seed proposes the same trials',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2147483647)
  seed?: number;

  @ApiPropertyOptional({ type: EarlyStoppingDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => EarlyStoppingDto)
  early_stopping?: EarlyStoppingDto;
}

export class SweepAcceptedDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'running' })
  status: string;

  @ApiProperty({ format: 'uuid' })
  parent_run_id: string;

  @ApiProperty({ example: 8, description: 'Trials the sweep will run (its budget, or a smaller grid)' })
  planned_trials: number;
}

export class ListSweepsQuery extends PaginationQuery {}
