import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PaginationQuery } from '../../common/http/pagination.dto';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { VERSION_OR_ALIAS_PATTERN } from '../../models/aliases/alias-names';
import {
  CHALLENGER_MODES,
  DELIVERY_STATES,
  DEPLOYMENT_STATUSES,
  MONITORING_LEVELS,
  NOTIFICATION_EVENTS,
  PERFORMANCE_STATUSES,
} from '../entities';
import { targetKindsDoc } from '../targets/target-registry';

const DEPLOY_MODES = ['active', 'shadow', 'canary'] as const;

const SIGNAL_DOC =
  'The deployment multiplies each prediction by this factor to give `signal` (predict with `target`). ' +
  'time_series: forecast return × factor = a signed position size (sign = direction). ' +
  'classification: score of the predicted class (for direction: P(up) − P(down)) × factor. ' +
  'anomaly_detection: anomaly score × factor (a risk-off weight).';

/** POST /api/v1/models/{model_id}/deploy — the seed's body, exactly. */
export class DeployRequestDto {
  @ApiProperty({
    example: '1.0.0',
    description:
      "A trained version of the model (status experimental or deployed), or a model alias written `@<alias>` (e.g. `@champion`): the version it points at when the request arrives is deployed, and stays deployed when the alias moves later (the deployment's `version` says which). Unknown alias: 404 ALIAS_NOT_FOUND",
  })
  @IsString()
  @Matches(VERSION_OR_ALIAS_PATTERN, {
    message: 'version must be MAJOR.MINOR.PATCH (e.g. 1.0.0) or a model alias such as @champion',
  })
  version: string;

  @ApiProperty({
    example: 'strategy_engine',
    description: `One of the configured targets (DEPLOYMENT_TARGETS; default strategy_engine, ml_integration, analysis_engine). What a deployment does besides being recorded depends on the target's kinds: ${targetKindsDoc()}`,
  })
  @IsString()
  @MaxLength(64)
  deployment_target: string;

  @ApiPropertyOptional({
    example: 1.0,
    default: 1.0,
    description: `A positive number, at most DEPLOYMENT_MAX_SCALING_FACTOR (default 100). ${SIGNAL_DOC}`,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  scaling_factor?: number;

  @ApiPropertyOptional({
    enum: MONITORING_LEVELS,
    default: 'medium',
    description:
      'low: request and error counts; medium: plus latency and prediction distributions; high: plus each request’s inputs/outputs (last MONITORING_RETENTION) and input drift (PSI)',
  })
  @IsOptional()
  @IsIn(MONITORING_LEVELS)
  monitoring_level?: (typeof MONITORING_LEVELS)[number];

  @ApiPropertyOptional({
    enum: DEPLOY_MODES,
    default: 'active',
    description:
      'active: the version replaces the one active on the target. shadow: it runs beside the active version as a challenger — every request answered through the target is also scored by it after the answer is computed (off the request path), and its predictions are kept with role shadow for live performance. ' +
      "canary: it answers `canary_share` of the requests (role canary). A challenger needs an active version of another version on the target (409 NOT_DEPLOYED / CHALLENGER_IS_ACTIVE), serves with that deployment's scaling_factor and monitoring_level (those sent are ignored), replaces any challenger there, and ends with the active deployment (a plain deploy, rollback or undeploy). Promote it with POST /deployments/{id}/promote.",
  })
  @IsOptional()
  @IsIn(DEPLOY_MODES)
  mode?: (typeof DEPLOY_MODES)[number];

  @ApiPropertyOptional({
    example: 0.1,
    description:
      'With "mode": "canary" only (required there): the share of requests the canary answers, greater than 0 and less than 1. A request with a key (body request_key or header X-Request-Key) goes to the canary when the first 32 bits of SHA-256(key) / 2^32 < canary_share (the same key, the same version); without a key the draw is random',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  canary_share?: number;
}

export const DEPLOY_EXAMPLES = {
  seed: {
    summary: 'Deploy: the version becomes active on the target',
    value: { version: '1.0.0', deployment_target: 'strategy_engine', scaling_factor: 1.0, monitoring_level: 'medium' },
  },
  shadow: {
    summary: 'A shadow challenger beside the active version (here the version the alias @challenger points at)',
    value: {
      version: '@challenger',
      deployment_target: 'strategy_engine',
      scaling_factor: 1.0,
      monitoring_level: 'medium',
      mode: 'shadow',
    },
  },
  canary: {
    summary: 'A canary answering 10 % of the requests',
    value: {
      version: '@challenger',
      deployment_target: 'strategy_engine',
      scaling_factor: 1.0,
      monitoring_level: 'medium',
      mode: 'canary',
      canary_share: 0.1,
    },
  },
};

export class PromoteRequestDto {
  @ApiPropertyOptional({
    example: false,
    default: false,
    description: 'Promote whatever the evidence says (the figures are still computed and returned)',
  })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class ChallengerDto {
  @ApiProperty({ example: '1.1.0' }) version: string;
  @ApiProperty({ enum: CHALLENGER_MODES }) mode: string;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 0.1,
    description: 'canary: the share of requests it answers; null for a shadow',
  })
  canary_share: number | null;
  @ApiProperty({ example: '2025-03-12T10:15:22.000Z', description: 'When it was deployed as the challenger' })
  since: string;
}

export class RollbackRequestDto {
  @ApiProperty({ example: 'strategy_engine' })
  @IsString()
  @MaxLength(64)
  deployment_target: string;
}

export class ListDeploymentsQuery extends PaginationQuery {
  @ApiPropertyOptional({ example: 'strategy_engine' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  target?: string;

  @ApiPropertyOptional({ example: 'lstm_price_predictor' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  model_id?: string;

  @ApiPropertyOptional({ enum: DEPLOYMENT_STATUSES })
  @IsOptional()
  @IsIn(DEPLOYMENT_STATUSES)
  status?: (typeof DEPLOYMENT_STATUSES)[number];
}

export class MonitoringQuery {
  @ApiPropertyOptional({
    default: 20,
    minimum: 0,
    maximum: 1000,
    description: 'How many of the most recent requests to include (monitoring level high)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  recent?: number;
}

export class NotificationDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: NOTIFICATION_EVENTS }) event: string;
  @ApiProperty({ enum: DELIVERY_STATES }) state: string;
  @ApiProperty({ example: 1 }) attempts: number;
  @ApiProperty({ nullable: true, type: String, example: 'HTTP 503' }) last_error: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 200 }) last_status_code: number | null;
  @ApiProperty() created_at: string;
  @ApiProperty({ nullable: true, type: String }) last_attempt_at: string | null;
  @ApiProperty({ nullable: true, type: String }) delivered_at: string | null;
}

export class DeploymentDto {
  @ApiProperty({ example: '0b8c2c3e-5f7a-4f6e-9a51-3c1d2e4f5a6b' }) id: string;
  @ApiProperty({ example: 'price_prediction_lstm_v2' }) model_id: string;
  @ApiProperty({ example: '2.1.0' }) version: string;
  @ApiProperty({ example: 'strategy_engine' }) target: string;
  @ApiProperty({ example: 1.0, description: SIGNAL_DOC }) scaling_factor: number;
  @ApiProperty({ enum: MONITORING_LEVELS }) monitoring_level: string;
  @ApiProperty({ enum: DEPLOYMENT_STATUSES }) status: string;
  @ApiProperty({ example: '2025-03-12T10:15:22.000Z' }) deployed_at: string;
  @ApiProperty({ nullable: true, type: String }) ended_at: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '2.0.0',
    description: 'The version that was active on this target before this deployment',
  })
  replaced_version: string | null;
  @ApiProperty({ nullable: true, type: String }) replaced_deployment_id: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The deployment that replaced or rolled back this one' })
  ended_by_deployment_id: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'For a rollback: the earlier deployment whose version and settings were restored',
  })
  restored_deployment_id: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The version a rollback of this deployment would restore' })
  rollback_version: string | null;
  @ApiProperty({
    nullable: true,
    enum: [...PERFORMANCE_STATUSES, null],
    description:
      'Live performance of the active version (GET /deployments/{id}/performance): degraded when its live IC’s 95 % interval lies below the backtest IC; null before its first scored prediction is evaluated',
  })
  performance_status: string | null;
  @ApiProperty({
    nullable: true,
    enum: [...DELIVERY_STATES, null],
    description:
      'Summary of its notifications: failed if any failed, else pending if any pending, else delivered; null without a notification URL',
  })
  notification_state: string | null;
  @ApiProperty({ type: [NotificationDto] }) notifications: NotificationDto[];
  @ApiProperty({
    nullable: true,
    type: ChallengerDto,
    description:
      'A shadow or canary challenger beside the active version (on an ended deployment: the one it had when it ended); null when none',
  })
  challenger: ChallengerDto | null;
}

export class DeploymentListDto {
  @ApiProperty({ type: [DeploymentDto] }) deployments: DeploymentDto[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export class MonitoringReportDto {
  @ApiProperty() deployment_id: string;
  @ApiProperty() model_id: string;
  @ApiProperty() version: string;
  @ApiProperty() target: string;
  @ApiProperty({ enum: DEPLOYMENT_STATUSES }) status: string;
  @ApiProperty({ enum: MONITORING_LEVELS }) monitoring_level: string;
  @ApiProperty() requests: number;
  @ApiProperty() errors: number;
  @ApiProperty({ nullable: true, type: Number }) error_rate: number | null;
  @ApiProperty({ nullable: true, type: String }) first_request_at: string | null;
  @ApiProperty({ nullable: true, type: String }) last_request_at: string | null;
  @ApiProperty({
    nullable: true,
    description:
      'medium/high: {count, mean, p50, p90, p99, buckets:[{le, count}]} (fixed buckets, ms; le null = above the last)',
  })
  latency_ms: Record<string, unknown> | null;
  @ApiProperty({
    nullable: true,
    description:
      'medium/high: {count, mean, std, min, max, sample_size, quantiles:{p5,p25,p50,p75,p95}, histogram:{edges,counts}, labels} over numeric predictions (quantiles/histogram over the last MONITORING_RETENTION)',
  })
  predictions: Record<string, unknown> | null;
  @ApiProperty({
    nullable: true,
    description: 'high: the most recent requests (?recent=N): {at, ok, latency_ms, inputs, outputs}',
  })
  recent_requests: unknown[] | null;
  @ApiProperty({
    nullable: true,
    description:
      'high: Population Stability Index per feature, training distribution vs the retained requests’ inputs: {psi, band (stable < 0.1, moderate 0.1–0.25, significant > 0.25), n, reference, edges, expected, actual}. ' +
      'Reference = training-set histograms when stored with the version, else an APPROXIMATION: deciles of a normal with the training mean/std (z-score scaler) or ten equal-width bins over the training min/max (min-max scaler).',
  })
  drift: Record<string, unknown> | null;
}

export class PromotionEvidenceDto {
  @ApiProperty({
    example: 42,
    description: 'Bars both versions predicted on this deployment whose horizon has realised (paired losses)',
  })
  n: number;
  @ApiProperty({ example: 30 }) min_samples: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: -0.0000021,
    description: 'Mean of challenger − active squared error (negative: the challenger loses less)',
  })
  mean_loss_difference: number | null;
  @ApiProperty({ nullable: true, type: Number }) mean_loss_active: number | null;
  @ApiProperty({ nullable: true, type: Number }) mean_loss_challenger: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: -2.4,
    description: 'Diebold–Mariano statistic, Harvey–Leybourne–Newbold corrected (negative favours the challenger)',
  })
  dm_statistic: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 0.021,
    description: 'Two-sided, Student t with n − 1 degrees of freedom',
  })
  p_value: number | null;
  @ApiProperty({ example: 1 }) horizon_bars: number;
  @ApiProperty() rule: string;
  @ApiProperty() supports_promotion: boolean;
}

export class PromotionResultDto {
  @ApiProperty({ example: true }) promoted: boolean;
  @ApiProperty({ example: false, description: 'True when force promoted against (or without) the evidence' })
  forced: boolean;
  @ApiProperty({ type: PromotionEvidenceDto }) evidence: PromotionEvidenceDto;
  @ApiProperty({
    type: DeploymentDto,
    description:
      'The new active deployment: the challenger’s version with the old deployment’s settings; its rollback_version is the old active version',
  })
  deployment: DeploymentDto;
}
