import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';

export class ScheduleWindowDto {
  @ApiProperty({
    enum: ['rolling', 'expanding'],
    example: 'rolling',
    description:
      'rolling: the last `length` up to the latest stored bar; expanding: from `start_date` up to the latest stored bar',
  })
  @IsIn(['rolling', 'expanding'])
  kind: 'rolling' | 'expanding';

  @ApiPropertyOptional({ example: '365d', description: 'rolling only: <number><h|d|w>, e.g. 365d, 26w, 72h' })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  length?: string;

  @ApiPropertyOptional({
    example: '2015-01-01T00:00:00Z',
    description: "expanding only: where every run's training range starts",
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  start_date?: string;
}

export const ON_SUCCESS_CHOICES = ['register', 'deploy_if_better', 'shadow'] as const;

export class CreateScheduleDto {
  @ApiProperty({
    example: '0 6 * * 1-5',
    description:
      'Cron expression, 5 fields (minute hour day-of-month month day-of-week) or @daily/@weekly/…; evaluated by pg-boss in `timezone`',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(120)
  cron: string;

  @ApiPropertyOptional({
    example: 'Europe/London',
    default: 'UTC',
    description: 'IANA time zone the cron expression is read in (daylight saving follows it)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timezone?: string;

  @ApiProperty({
    type: ScheduleWindowDto,
    example: { kind: 'rolling', length: '1825d' },
    description:
      "The training range of each run; it ends at the latest stored bar of the model's symbols and timeframe",
  })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ScheduleWindowDto)
  window: ScheduleWindowDto;

  @ApiPropertyOptional({
    example: { hyperparameters: { epochs: 3 } },
    description:
      "Fields of a train request (POST /api/v1/models/train) each run sends; missing ones come from the model's latest trained version (features, target, symbols, timeframe, window, architecture, hyperparameters — merged key by key —, splits, scaler, seed, spread). " +
      "Not allowed: start_date/end_date (the window sets them), model_id and model_type (the model's).",
  })
  @IsOptional()
  @IsObject()
  base?: Record<string, unknown>;

  @ApiPropertyOptional({
    enum: ON_SUCCESS_CHOICES,
    default: 'register',
    description:
      'register: the new version is registered (experimental). deploy_if_better: also replaces the active deployment on each target where the new version beats the active one on validation — val_loss, lowest over epochs (the kept weights), for networks; val_return, highest, for reinforcement learning. ' +
      'shadow: on each target where the model has an active deployment, the new version becomes its shadow challenger (as POST /api/v1/models/{model_id}/deploy with "mode": "shadow"; it replaces any challenger there, the active version keeps answering; promote it with POST /api/v1/deployments/{id}/promote). Without an active deployment the run records "shadow: skipped, no active deployment" and the version is only registered.',
  })
  @IsOptional()
  @IsIn(ON_SUCCESS_CHOICES)
  on_success?: (typeof ON_SUCCESS_CHOICES)[number];

  @ApiPropertyOptional({
    default: false,
    description: 'Create it paused (not registered with the queue until resumed)',
  })
  @IsOptional()
  @IsBoolean()
  paused?: boolean;
}

export class UpdateScheduleDto {
  @ApiProperty({ example: true, description: "true pauses (removed from pg-boss's schedules), false resumes" })
  @IsDefined()
  @IsBoolean()
  paused: boolean;
}

export class ScheduleRunDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['cron', 'manual'] }) trigger: string;
  @ApiProperty({ enum: ['starting', 'queued', 'running', 'settling', 'succeeded', 'failed', 'cancelled', 'skipped'] })
  status: string;
  @ApiProperty({ nullable: true, type: String }) job_id: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '1.1.0',
    description: 'The version the run registered (or is training)',
  })
  version: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    enum: ['registered', 'deployed', 'not_deployed', 'shadowed', 'not_shadowed', 'failed', 'cancelled', 'skipped'],
    description:
      "shadowed: the new version is the shadow challenger on at least one target; not_shadowed: active deployments existed but none took it (each target's error in comparison)",
  })
  outcome: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'Why it was skipped or failed, what the deploy_if_better comparison found, or where shadow put the version (e.g. "shadow: skipped, no active deployment …")',
  })
  reason: string | null;
  @ApiProperty({ nullable: true, type: Object }) window: { start_date: string; end_date: string } | null;
  @ApiProperty({
    nullable: true,
    type: Object,
    description:
      'deploy_if_better: metric, direction, the new version\'s value and each target\'s active version and value. shadow: {mode: "shadow", version, targets: [{target, deployment_id, active_version, replaced_challenger, shadowed, error?}]}',
  })
  comparison: Record<string, unknown> | null;
  @ApiProperty() started_at: string;
  @ApiProperty({ nullable: true, type: String }) finished_at: string | null;
}

export class ScheduleDto {
  @ApiProperty({ example: '5d0c9a52-1f7e-4a53-9a3e-0f1b2c3d4e5f' }) id: string;
  @ApiProperty({ example: 'lstm_price_predictor' }) model_id: string;
  @ApiProperty({ example: '0 6 * * 1-5' }) cron: string;
  @ApiProperty({ example: 'Europe/London' }) timezone: string;
  @ApiProperty({ type: ScheduleWindowDto }) window: ScheduleWindowDto;
  @ApiProperty({ type: Object, description: 'The train request each run sends, without start_date/end_date' })
  base: Record<string, unknown>;
  @ApiProperty({ enum: ON_SUCCESS_CHOICES }) on_success: string;
  @ApiProperty({
    nullable: true,
    type: Object,
    example: { metric: 'val_loss', direction: 'minimize' },
    description: 'deploy_if_better: the validation metric compared',
  })
  compare_on: { metric: string; direction: string } | null;
  @ApiProperty() paused: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The next cron occurrence (pg-boss fires within about 12 s after it); null while paused',
  })
  next_run_at: string | null;
  @ApiProperty({ type: [ScheduleRunDto], description: 'The last runs, newest first' }) runs: ScheduleRunDto[];
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class ScheduleListDto {
  @ApiProperty({ type: [ScheduleDto] }) schedules: ScheduleDto[];
  @ApiProperty() total: number;
}

export class ScheduleRunAcceptedDto {
  @ApiProperty({ example: '5d0c9a52-1f7e-4a53-9a3e-0f1b2c3d4e5f' }) schedule_id: string;
  @ApiProperty() run_id: string;
  @ApiProperty({ description: 'The training job (GET /api/v1/training/jobs/{job_id})' }) job_id: string;
  @ApiProperty({ example: 'lstm_price_predictor' }) model_id: string;
  @ApiProperty({ example: '1.1.0' }) version: string;
  @ApiProperty({
    type: Object,
    example: { start_date: '2019-12-31T00:00:00.000Z', end_date: '2024-12-31T00:00:00.000Z' },
  })
  window: { start_date: string; end_date: string };
}

/** Swagger's request example (POST /api/v1/models/{model_id}/schedules): works against the demo data once the train example has run. */
export const CREATE_SCHEDULE_EXAMPLES = {
  weekday_mornings: {
    summary: 'Retrain every weekday at 06:00 London time on the last five years',
    value: {
      cron: '0 6 * * 1-5',
      timezone: 'Europe/London',
      window: { kind: 'rolling', length: '1825d' },
      base: { hyperparameters: { epochs: 3 } },
      on_success: 'deploy_if_better',
    },
  },
  weekly_shadow: {
    summary: 'Retrain every Sunday night and run the new version as the shadow challenger of the active deployments',
    value: { cron: '0 22 * * 0', timezone: 'UTC', window: { kind: 'rolling', length: '1825d' }, on_success: 'shadow' },
  },
};
