import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { SERIES_BUCKETS } from './performance-series';
import { PERFORMANCE_STATUSES, PREDICTION_ROLES } from '../entities';

export class PerformanceQuery {
  @ApiPropertyOptional({
    example: 'all',
    default: 'all',
    description:
      'Which scored predictions the live figures cover: `all` (every one retained), `1d` / `7d` / `30d` (served within that period before now), `last_n:N` (the N with the latest bars, N ≤ 100000)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  window?: string;
}

const FIGURES =
  '{n, ic, ic_ci95 ([low, high], Fisher z), rank_ic, directional_accuracy, directional_accuracy_se, mse, mse_naive_zero, pnl_after_costs, …}. ' +
  'The same statistics as the version’s test part (training/evaluation): IC = Pearson of prediction and realised target, rank IC = Spearman, directional accuracy over non-zero moves with sqrt(p(1−p)/n), ' +
  'MSE beside the MSE of predicting 0, PnL = compounded return after costs of holding sign(prediction) for the horizon (non-overlapping periods, the backtest’s spread/slippage/swap model, equal-weight mean over symbols).';

export class VersionPerformanceDto {
  @ApiProperty({ example: '1.0.0' }) version: string;
  @ApiProperty({
    enum: PREDICTION_ROLES,
    description:
      'How the version serves on the deployment: `active` answers the requests; `shadow` — a challenger scoring every request off the request path; `canary` — a challenger answering its share of the requests (POST /models/{model_id}/deploy with `mode`). The active version comes first',
  })
  role: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'price_change_1d',
    description:
      'The version’s target: the realised value is computed with the same target function the dataset builder used',
  })
  target: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 1 }) horizon_bars: number | null;
  @ApiProperty({
    nullable: true,
    description: `Live figures over the window: ${FIGURES} plus trades_periods and costs {spread_pips, slippage_pips}`,
  })
  live: Record<string, unknown> | null;
  @ApiProperty({
    nullable: true,
    description:
      'The version’s registered test-part figures, the same fields (pnl_after_costs = its backtest’s total return, mean over symbols; mse_naive_zero = the naive_zero baseline’s MSE), plus sharpe',
  })
  backtest: Record<string, unknown> | null;
  @ApiProperty({
    enum: PERFORMANCE_STATUSES,
    example: 'ok',
    description:
      'The decay test (see decay): ok, degraded, insufficient_data (fewer than DEPLOYMENT_DECAY_MIN_SAMPLES scored), no_backtest (the version has no test IC), not_scored (not a return target)',
  })
  status: string;
  @ApiProperty({
    nullable: true,
    description:
      '{status, n, min_samples, live_ic, live_ic_ci95, backtest_ic, rule, window}: over the latest DEPLOYMENT_DECAY_WINDOW scored predictions, whatever the query window',
  })
  decay: Record<string, unknown> | null;
  @ApiProperty({
    description:
      '{stored, pending}: predictions kept for this version on the deployment, and those whose horizon has not realised yet',
  })
  predictions: Record<string, number>;
}

export class PerformanceReportDto {
  @ApiProperty({ example: '0b8c2c3e-5f7a-4f6e-9a51-3c1d2e4f5a6b' }) deployment_id: string;
  @ApiProperty({ example: 'price_prediction_lstm_v2' }) model_id: string;
  @ApiProperty({ example: 'strategy_engine' }) target: string;
  @ApiProperty({ example: 'active' }) deployment_status: string;
  @ApiProperty({
    nullable: true,
    enum: [...PERFORMANCE_STATUSES, null],
    description: 'The active version’s decay verdict as stored on the deployment (null before its first evaluation)',
  })
  performance_status: string | null;
  @ApiProperty({ nullable: true, type: String }) performance_changed_at: string | null;
  @ApiProperty({ example: 'all' }) window: string;
  @ApiProperty({ type: [VersionPerformanceDto] }) versions: VersionPerformanceDto[];
}

export class PerformanceSeriesQuery {
  @ApiPropertyOptional({
    enum: SERIES_BUCKETS,
    default: 'day',
    description:
      'The calendar bucket (UTC) of the bar each prediction was made from: `day` (midnight to midnight), `week` (ISO week, from Monday), `month`',
  })
  @IsOptional()
  @IsIn(SERIES_BUCKETS, { message: `bucket must be one of ${SERIES_BUCKETS.join(', ')}` })
  bucket?: (typeof SERIES_BUCKETS)[number];
}

export class PerformancePointDto {
  @ApiProperty({ example: '2024-03-04T00:00:00.000Z', description: 'The bucket’s first instant (UTC)' }) start: string;
  @ApiProperty({ example: '2024-03-11T00:00:00.000Z', description: 'The next bucket’s first instant' }) end: string;
  @ApiProperty({ example: 5, description: 'Scored predictions whose bar falls in the bucket' }) n: number;
  @ApiProperty({ nullable: true, type: Number }) ic: number | null;
  @ApiProperty({ nullable: true, type: Number }) rank_ic: number | null;
  @ApiProperty({ nullable: true, type: Number }) directional_accuracy: number | null;
  @ApiProperty({ nullable: true, type: Number }) directional_accuracy_se: number | null;
  @ApiProperty({ nullable: true, type: Number }) mse: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'PnL after costs of the bucket’s predictions' })
  pnl_after_costs: number | null;
  @ApiProperty({ type: Number, description: 'The bucket PnLs compounded from the first bucket to this one' })
  cumulative_pnl_after_costs: number;
}

export class VersionPerformanceSeriesDto {
  @ApiProperty({ example: '1.0.0' }) version: string;
  @ApiProperty({ enum: PREDICTION_ROLES }) role: string;
  @ApiProperty({
    nullable: true,
    description: 'The version’s registered test-part figures (as in GET …/performance), the levels to compare with',
  })
  backtest: Record<string, unknown> | null;
  @ApiProperty({
    type: [PerformancePointDto],
    description: 'One point per bucket holding scored predictions, oldest first',
  })
  points: PerformancePointDto[];
  @ApiPropertyOptional({ description: 'Why a version has no points (not a return target)' }) note?: string;
}

export class PerformanceSeriesDto {
  @ApiProperty({ example: '0b8c2c3e-5f7a-4f6e-9a51-3c1d2e4f5a6b' }) deployment_id: string;
  @ApiProperty({ example: 'price_prediction_lstm_v2' }) model_id: string;
  @ApiProperty({ example: 'strategy_engine' }) target: string;
  @ApiProperty({ enum: SERIES_BUCKETS, example: 'day' }) bucket: string;
  @ApiProperty({ type: [VersionPerformanceSeriesDto] }) versions: VersionPerformanceSeriesDto[];
}
