import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
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
import { RUN_STATUSES, type RunStatus } from '../entities/run.entity';

export class ListExperimentsQuery extends PaginationQuery {
  @ApiPropertyOptional({ enum: ['active', 'archived', 'all'], default: 'active' })
  @IsOptional()
  @IsIn(['active', 'archived', 'all'])
  lifecycle?: 'active' | 'archived' | 'all';
}

export class ExperimentDto {
  @ApiProperty({ example: '3d9f4a52-8a1e-4f0e-9a57-1c1f0e8b2a11' }) id: string;
  @ApiProperty({ example: 'EURUSD regime models' }) name: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { team: 'fx' } }) tags: Record<
    string,
    string
  >;
  @ApiProperty({ example: 12, description: 'Runs that are not deleted' }) run_count: number;
  @ApiProperty({ example: '2025-03-12T10:15:22.000Z' }) created_at: string;
  @ApiProperty({ nullable: true, type: String, example: null }) archived_at: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '2025-03-14T08:00:00.000Z',
    description: 'Start of its newest run',
  })
  last_run_at: string | null;
  @ApiProperty({ enum: ['active', 'deleted'], description: "MLflow's name for archived is deleted" })
  lifecycle_stage: string;
}

export class ExperimentListDto {
  @ApiProperty({ type: [ExperimentDto], description: 'Oldest first (creation time, then name)' })
  experiments: ExperimentDto[];
  @ApiProperty({ example: 510, description: 'Experiments matching the lifecycle filter, over all pages' })
  total: number;
  @ApiProperty({ example: 50 }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
}

export class CreateExperimentBody {
  @ApiProperty({ example: 'EURUSD regime models' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { team: 'fx' } })
  @IsOptional()
  @IsObject()
  tags?: Record<string, string>;
}

export class UpdateExperimentBody {
  @ApiPropertyOptional({ description: 'New name (rename)', example: 'EURUSD regime models (daily)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', nullable: true },
    description: 'Tags to set; a null value removes the tag',
    example: { team: 'fx-research', draft: null },
  })
  @IsOptional()
  @IsObject()
  tags?: Record<string, string | null>;
}

export class ListRunsQuery extends PaginationQuery {
  @ApiPropertyOptional({
    description:
      "MLflow's filter grammar, joined by AND: metrics.val_loss < 0.01 AND params.architecture = 'gru' AND tags.team = 'fx' AND attributes.status = 'FINISHED'",
    example: "metrics.val_loss < 0.01 AND params.architecture = 'gru'",
  })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  filter?: string;

  @ApiPropertyOptional({
    description:
      'Ordering, comma-separated: metrics.<key> ASC|DESC, params.<key>, attributes.start_time … (nulls last; default newest first)',
    example: 'metrics.val_loss ASC',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  order_by?: string;

  @ApiPropertyOptional({
    description: `Comma-separated statuses (${RUN_STATUSES.join(', ')})`,
    example: 'FINISHED,FAILED',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  status?: string;

  @ApiPropertyOptional({ enum: ['active', 'deleted', 'all'], default: 'active' })
  @IsOptional()
  @IsIn(['active', 'deleted', 'all'])
  lifecycle?: 'active' | 'deleted' | 'all';
}

export class CompareQuery {
  @ApiProperty({ description: 'Comma-separated run ids of this experiment (1-20)', example: 'a,b,c' })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  run_ids: string;
}

export class CreateRunBody {
  @ApiPropertyOptional({ example: 'notebook gru sweep 3' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { architecture: 'gru', units: '32' },
  })
  @IsOptional()
  @IsObject()
  params?: Record<string, string>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { source: 'notebook' } })
  @IsOptional()
  @IsObject()
  tags?: Record<string, string>;

  @ApiPropertyOptional({ description: 'Milliseconds since the epoch (default now)', example: 1735689600000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  start_time?: number;
}

export class LogParamsBody {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Immutable once set: another value for an existing key is a 409',
    example: { learning_rate: '0.001' },
  })
  @IsObject()
  params: Record<string, string>;
}

export class MetricPointDto {
  @ApiProperty({ example: 'val_loss' })
  @IsString()
  @MinLength(1)
  @MaxLength(250)
  key: string;

  @ApiProperty({ example: 0.0123 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  value: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @IsInt()
  step?: number;

  @ApiPropertyOptional({ description: 'Milliseconds since the epoch (default now)', example: 1735689660000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  timestamp?: number;
}

export class LogMetricsBody {
  @ApiProperty({ type: [MetricPointDto] })
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => MetricPointDto)
  metrics: MetricPointDto[];
}

export class SetTagsBody {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { reviewed: 'yes' } })
  @IsObject()
  tags: Record<string, string>;
}

export class UpdateRunBody {
  @ApiPropertyOptional({ enum: RUN_STATUSES, example: 'FINISHED' })
  @IsOptional()
  @IsIn(RUN_STATUSES)
  status?: RunStatus;

  @ApiPropertyOptional({
    description: 'Milliseconds since the epoch; a final status without it ends the run now',
    example: 1735693200000,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  end_time?: number;

  @ApiPropertyOptional({ example: 'notebook gru sweep 3 (rerun)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;
}

export class FinishRunBody {
  @ApiPropertyOptional({ enum: ['FINISHED', 'FAILED', 'KILLED'], default: 'FINISHED' })
  @IsOptional()
  @IsIn(['FINISHED', 'FAILED', 'KILLED'])
  status?: 'FINISHED' | 'FAILED' | 'KILLED';

  @ApiPropertyOptional({ description: 'Milliseconds since the epoch (default now)', example: 1735693200000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  end_time?: number;
}

export class MetricHistoryQuery {
  @ApiPropertyOptional({ default: 10000, minimum: 1, maximum: 100000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  limit?: number;

  @ApiPropertyOptional({ default: 0, minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  offset?: number;
}
