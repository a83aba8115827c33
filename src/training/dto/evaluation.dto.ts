import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  Max,
  Min,
  registerDecorator,
  ValidateIf,
  type ValidationOptions,
} from 'class-validator';

/** A whole number of bars (>= 1) or a duration such as 30d, 12h, 4w, 90m. */
export const STEP_DURATION = /^([1-9]\d{0,5})([mhdw])$/;

function IsStep(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isStep',
      target: object.constructor,
      propertyName,
      options: { message: 'step must be a whole number of bars >= 1 or a duration such as 30d, 12h, 4w', ...options },
      validator: {
        validate: (v: unknown) =>
          (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1e6) ||
          (typeof v === 'string' && STEP_DURATION.test(v)),
      },
    });
}

/**
 * How a version is evaluated: the single chronological split (default) or walk-forward folds
 * (features/core/dataset/walk-forward.ts has the exact rule).
 */
export class EvaluationDto {
  @ApiProperty({ enum: ['single_split', 'walk_forward'], example: 'walk_forward' })
  @IsIn(['single_split', 'walk_forward'])
  method: 'single_split' | 'walk_forward';

  @ApiPropertyOptional({
    minimum: 2,
    maximum: 20,
    example: 3,
    description: 'walk_forward: number of folds (out-of-sample blocks, one model each)',
  })
  @ValidateIf((o: EvaluationDto) => o.method === 'walk_forward' || o.folds !== undefined)
  @IsInt()
  @Min(2)
  @Max(20)
  folds?: number;

  @ApiPropertyOptional({
    enum: ['expanding', 'rolling'],
    default: 'expanding',
    description: 'expanding: every fold trains from the first bar; rolling: on the train_bars bars before its purge',
  })
  @IsOptional()
  @IsIn(['expanding', 'rolling'])
  train_window?: 'expanding' | 'rolling';

  @ApiPropertyOptional({
    oneOf: [
      { type: 'integer', minimum: 1 },
      { type: 'string', pattern: STEP_DURATION.source },
    ],
    example: 250,
    description:
      'Length of each out-of-sample block and the advance between folds: bars, or a duration (30d, 12h, 4w). Default floor(bars / (folds + 1))',
  })
  @IsOptional()
  @IsStep()
  step?: number | string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 100000,
    description:
      "Bars left out between each training window and its test block; default W + H (the single split's purge). No training target ever reaches the test block, whatever this is",
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100000)
  purge?: number;

  @ApiPropertyOptional({
    minimum: 1,
    description: "rolling: bars per training window; default the first fold's (all the bars before its purge)",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000000)
  train_bars?: number;
}
