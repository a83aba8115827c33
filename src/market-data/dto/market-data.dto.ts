import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ON_CONFLICT } from '../bar-source';
import { TIMEFRAMES } from '../timeframes';

const SYMBOL_DOC = { example: 'EUR/USD', description: 'Currency pair: EUR/USD, EURUSD or eur_usd (stored as EUR/USD)' };

export class SeriesKeyQuery {
  @ApiProperty(SYMBOL_DOC)
  @IsString()
  @MaxLength(16)
  symbol: string;

  @ApiProperty({ enum: TIMEFRAMES, example: '1d' })
  @IsIn(TIMEFRAMES)
  timeframe: string;
}

const ON_CONFLICT_DOC = {
  enum: ON_CONFLICT,
  default: 'error',
  description:
    'A series holds bars of one source (CSV import, demo data, or resampled from one timeframe). When the target series already holds bars from another source: ' +
    '`error` (default) answers 409 SERIES_SOURCE_CONFLICT and writes nothing; `replace` deletes the existing bars of that series (every timestamp, counted in `replaced`) and writes these in their place, in one transaction.',
};

export class ImportQuery {
  @ApiProperty(SYMBOL_DOC)
  @IsString()
  @MaxLength(16)
  symbol: string;

  // Example 1h, not 1d: on a fresh embedded start EUR/USD 1d holds the demo's Fed fixes, and
  // importing CSV bars into it is a 409 (one source per series).
  @ApiProperty({ enum: TIMEFRAMES, example: '1h' })
  @IsIn(TIMEFRAMES)
  timeframe: string;

  @ApiPropertyOptional(ON_CONFLICT_DOC)
  @IsOptional()
  @IsIn(ON_CONFLICT)
  on_conflict?: (typeof ON_CONFLICT)[number];
}

export class RangeQuery extends SeriesKeyQuery {
  @ApiPropertyOptional({ example: '2020-01-01T00:00:00Z', description: 'Inclusive start (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  start?: string;

  @ApiPropertyOptional({ example: '2024-12-31T00:00:00Z', description: 'Inclusive end (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  end?: string;
}

export class BarsQuery extends RangeQuery {
  @ApiPropertyOptional({ default: 1000, minimum: 1, maximum: 10000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor from the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'cursor must be a next_cursor value returned by this endpoint' })
  cursor?: string;
}

export class DeleteBarsQuery extends RangeQuery {
  // Examples: the hours the import example adds, not the demo data.
  @ApiProperty({ enum: TIMEFRAMES, example: '1h' })
  declare timeframe: string;

  @ApiPropertyOptional({ example: '2024-01-02T00:00:00Z', description: 'Inclusive start (ISO 8601)' })
  declare start?: string;

  @ApiPropertyOptional({ example: '2024-01-02T23:00:00Z', description: 'Inclusive end (ISO 8601)' })
  declare end?: string;
}

export class ResampleBody {
  @ApiProperty(SYMBOL_DOC)
  @IsString()
  @MaxLength(16)
  symbol: string;

  @ApiProperty({
    enum: TIMEFRAMES,
    example: '1h',
    description: 'The example resamples the hourly bars of the import example',
  })
  @IsIn(TIMEFRAMES)
  from_timeframe: string;

  @ApiProperty({ enum: TIMEFRAMES, example: '4h' })
  @IsIn(TIMEFRAMES)
  to_timeframe: string;

  @ApiPropertyOptional(ON_CONFLICT_DOC)
  @IsOptional()
  @IsIn(ON_CONFLICT)
  on_conflict?: (typeof ON_CONFLICT)[number];
}

export class RejectedRowDto {
  @ApiProperty({ example: 17, description: 'Line number in the file (the header is line 1)' })
  line: number;

  @ApiProperty({ example: 'high 1.1 is below low 1.2' })
  reason: string;
}

export class ImportResult {
  @ApiProperty({ example: 'EUR/USD' }) symbol: string;
  @ApiProperty({ example: '1h' }) timeframe: string;
  @ApiProperty({ example: 8760, description: 'Bars that were new' }) inserted: number;
  @ApiProperty({ example: 0, description: 'Bars that existed with different values (unchanged bars count in neither)' })
  updated: number;
  @ApiProperty({ example: 0, description: 'Bars of another source deleted first because on_conflict was replace' })
  replaced: number;
  @ApiProperty({ type: [RejectedRowDto], description: 'Rejected rows with their line numbers (the first 1000)' })
  rejected: RejectedRowDto[];
  @ApiProperty({ example: 0 }) rejected_total: number;
  @ApiProperty({ nullable: true, example: '2023-01-02T00:00:00.000Z' }) first: string | null;
  @ApiProperty({ nullable: true, example: '2023-12-29T23:00:00.000Z' }) last: string | null;
}

export class BarDto {
  @ApiProperty({ example: '2024-01-02T00:00:00.000Z' }) timestamp: string;
  @ApiProperty({ nullable: true, example: 1.1034 }) open: number | null;
  @ApiProperty({ nullable: true, example: 1.1045 }) high: number | null;
  @ApiProperty({ nullable: true, example: 1.0941 }) low: number | null;
  @ApiProperty({ example: 1.0942 }) close: number;
  @ApiProperty({ nullable: true, example: null }) volume: number | null;
}

export class BarsPage {
  @ApiProperty({ example: 'EUR/USD' }) symbol: string;
  @ApiProperty({ example: '1d' }) timeframe: string;
  @ApiProperty({ type: [BarDto] }) bars: BarDto[];
  @ApiProperty({ nullable: true, description: 'Pass as cursor for the next page; null on the last page' }) next_cursor:
    string | null;
}

export class SeriesSummaryDto {
  @ApiProperty({ example: '1d' }) timeframe: string;
  @ApiProperty({ example: '1999-01-04T00:00:00.000Z' }) first: string;
  @ApiProperty({ example: '2024-12-31T00:00:00.000Z' }) last: string;
  @ApiProperty({ example: 6509 }) bars: number;
  @ApiProperty({ example: ['close'], description: 'Columns with at least one value' }) columns: string[];
  @ApiProperty({
    example: ['demo'],
    description:
      'Where the bars come from: import (CSV), demo (Fed noon fixes) or resample:<timeframe>. One source per series; older data can show several',
  })
  sources: string[];
}

export class SymbolDto {
  @ApiProperty({ example: 'EUR/USD' }) symbol: string;
  @ApiProperty({ type: [SeriesSummaryDto] }) timeframes: SeriesSummaryDto[];
}

export class SymbolsResponse {
  @ApiProperty({ type: [SymbolDto] }) symbols: SymbolDto[];
}

export class DeleteResult {
  @ApiProperty({ example: 120 }) deleted: number;
}

export class ResampleResult {
  @ApiProperty({ example: 'EUR/USD' }) symbol: string;
  @ApiProperty({ example: '1h' }) from_timeframe: string;
  @ApiProperty({ example: '4h' }) to_timeframe: string;
  @ApiProperty({ example: 2190 }) bars_written: number;
  @ApiProperty({ example: 2190 }) inserted: number;
  @ApiProperty({ example: 0 }) updated: number;
  @ApiProperty({ example: 0, description: 'Bars of another source deleted first because on_conflict was replace' })
  replaced: number;
  @ApiProperty({ example: 1, description: 'Trailing bars left out because their period is not complete yet' })
  dropped_incomplete: number;
  @ApiProperty({ nullable: true }) first: string | null;
  @ApiProperty({ nullable: true }) last: string | null;
}
