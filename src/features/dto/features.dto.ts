import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { TIMEFRAMES } from '../../market-data/timeframes';

export const FEATURE_NAME = /^[a-z][a-z0-9_]{0,39}$/;
const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;

export const FEATURE_SOURCES = ['local', 'feature_store'] as const;

export class FeatureValuesQuery {
  @ApiProperty({ example: 'EUR/USD' })
  @IsString()
  @MaxLength(16)
  symbol: string;

  @ApiProperty({ enum: TIMEFRAMES, example: '1d' })
  @IsIn(TIMEFRAMES)
  timeframe: string;

  @ApiProperty({
    type: String,
    example: 'rsi_14,sma_20',
    description: 'Comma-separated catalogue names (GET /api/v1/features)',
  })
  @Transform(splitList)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Matches(FEATURE_NAME, { each: true, message: 'each feature must be a catalogue name such as rsi_14' })
  features: string[];

  @ApiPropertyOptional({ example: '2024-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  start?: string;

  @ApiPropertyOptional({ example: '2024-12-31T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  end?: string;

  @ApiPropertyOptional({
    enum: FEATURE_SOURCES,
    default: 'local',
    description: 'local: computed here from stored bars; feature_store: fetched from FEATURE_STORE_URL',
  })
  @IsOptional()
  @IsIn(FEATURE_SOURCES)
  feature_source?: (typeof FEATURE_SOURCES)[number];

  @ApiPropertyOptional({
    default: 10000,
    minimum: 1,
    maximum: 100000,
    description:
      'Most rows returned (oldest first); next_start continues. Without it: 10000, or fewer when that would exceed FEATURE_VALUES_MAX_CELLS; an explicit limit that exceeds it is a 422 WORK_LIMIT',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  limit?: number;
}

export class FeatureRowDto {
  @ApiProperty({ example: '2024-01-02T00:00:00.000Z' }) timestamp: string;
  @ApiProperty({ example: { rsi_14: 48.2, sma_20: 1.0987 }, description: 'null while a feature warms up' })
  values: Record<string, number | null>;
}

export class FeatureValuesResponse {
  @ApiProperty({ example: 'EUR/USD' }) symbol: string;
  @ApiProperty({ example: '1d' }) timeframe: string;
  @ApiProperty({ example: ['rsi_14', 'sma_20'] }) features: string[];
  @ApiProperty({ enum: FEATURE_SOURCES }) feature_source: string;
  @ApiProperty({ type: [FeatureRowDto] }) rows: FeatureRowDto[];
  @ApiProperty({ nullable: true, type: String, description: 'When more rows exist: pass as start for the next page' })
  next_start: string | null;
}

export class SelectFeaturesBody {
  @ApiProperty({ example: ['EUR/USD', 'GBP/USD'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(16, { each: true })
  symbols: string[];

  @ApiProperty({ enum: TIMEFRAMES, example: '1d' })
  @IsIn(TIMEFRAMES)
  timeframe: string;

  @ApiPropertyOptional({ example: '2005-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  start_date?: string;

  @ApiPropertyOptional({ example: '2024-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  end_date?: string;

  @ApiProperty({ example: 'price_change_1d', description: 'price_change_{H}, log_return_{H}, direction_{H} or regime' })
  @IsString()
  @Matches(FEATURE_NAME, { message: 'target must be a target name such as price_change_1d' })
  target: string;

  @ApiPropertyOptional({
    example: ['rsi_14', 'sma_20', 'returns_5'],
    description: 'Default: the catalogue with common parameters',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @Matches(FEATURE_NAME, { each: true, message: 'each candidate must be a catalogue name such as rsi_14' })
  candidates?: string[];

  @ApiPropertyOptional({ default: 10, minimum: 1, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  k?: number;

  @ApiPropertyOptional({ default: 0.2, description: 'Fraction held out for validation (excluded from selection)' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(0.9)
  validation_split?: number;

  @ApiPropertyOptional({ default: 0.1, description: 'Fraction held out for test (excluded from selection)' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(0.9)
  test_split?: number;

  @ApiPropertyOptional({
    default: 0.95,
    description: '|Spearman| between candidates above which the worse one is redundant',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.5)
  @Max(1)
  redundancy_threshold?: number;
}

export class CandidateScoreDto {
  @ApiProperty({ example: 'returns_5' }) feature: string;
  @ApiProperty({ example: 1 }) rank: number;
  @ApiProperty({ example: 0.031, description: 'Mutual information with the target (nats, k-NN estimator)' })
  mutual_information: number;
  @ApiProperty({ example: -0.04, description: 'Spearman rank correlation with the target' }) spearman: number;
  @ApiProperty({ example: false }) redundant: boolean;
  @ApiProperty({ nullable: true, type: String, example: null }) redundant_with: string | null;
  @ApiProperty({ nullable: true, type: Number, example: null }) redundancy_correlation: number | null;
}

export class SelectFeaturesResponse {
  @ApiProperty({ example: 'price_change_1d' }) target: string;
  @ApiProperty({ example: 4200, description: 'Training rows the scores were computed on' }) rows: number;
  @ApiProperty({
    example: { start: '1999-03-01T00:00:00.000Z', end: '2016-05-02T00:00:00.000Z' },
    description: 'Time span of the training part used',
  })
  training_range: { start: string | null; end: string | null };
  @ApiProperty({ type: [CandidateScoreDto] }) ranking: CandidateScoreDto[];
  @ApiProperty({ example: ['returns_5', 'rsi_14'] }) suggested: string[];
  @ApiProperty({
    example: ['atr_14'],
    description: 'Default candidates left out because a series lacks the columns they need',
  })
  skipped: string[];
  @ApiProperty({ example: 'sha256…', description: 'Fingerprint of the data and configuration the scores come from' })
  fingerprint: string;
}
