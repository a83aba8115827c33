import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';

/**
 * Hyperparameters of the neural models. Unknown keys are a 422 naming them (the global
 * pipe forbids non-whitelisted properties). `lstm_units` is the seed's name for `units`.
 */
export class HyperparametersDto {
  @ApiPropertyOptional({
    default: 64,
    minimum: 1,
    maximum: 1024,
    description: 'Width of each hidden layer (recurrent units; d_model for the transformer)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1024)
  units?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1024, description: "Alias of units (the seed's name)" })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1024)
  lstm_units?: number;

  @ApiPropertyOptional({
    default: 1,
    minimum: 1,
    maximum: 6,
    description: 'Stacked recurrent layers / encoder blocks / dense layers',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(6)
  layers?: number;

  @ApiPropertyOptional({ default: 0.2, minimum: 0, maximum: 0.9 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(0.9)
  dropout?: number;

  @ApiPropertyOptional({ default: 0.001, minimum: 0.000001, maximum: 1 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.000001)
  @Max(1)
  learning_rate?: number;

  @ApiPropertyOptional({ default: 32, minimum: 1, maximum: 4096 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(4096)
  batch_size?: number;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  epochs?: number;

  @ApiPropertyOptional({
    default: 10,
    minimum: 1,
    maximum: 1000,
    description: 'Epochs without validation-loss improvement before stopping (best weights are kept)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  early_stopping_patience?: number;

  @ApiPropertyOptional({
    default: 4,
    minimum: 1,
    maximum: 16,
    description: 'Transformer only: attention heads (units must be divisible by heads)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(16)
  heads?: number;

  @ApiPropertyOptional({
    default: 0.99,
    minimum: 0.5,
    maximum: 0.9999,
    description: 'anomaly_detection: the threshold is this quantile of the training reconstruction error',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.5)
  @Max(0.9999)
  threshold_quantile?: number;

  @ApiPropertyOptional({
    default: 10,
    minimum: 1,
    maximum: 100,
    description: 'feature_engineering: size of the suggested feature set',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  k?: number;

  @ApiPropertyOptional({
    default: 0.95,
    minimum: 0.5,
    maximum: 1,
    description: 'feature_engineering: |Spearman| between candidates above which the worse one is redundant',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.5)
  @Max(1)
  redundancy_threshold?: number;

  @ApiPropertyOptional({
    default: 0.9,
    minimum: 0,
    maximum: 0.999,
    description: 'reinforcement_learning: discount of future rewards',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(0.999)
  gamma?: number;

  @ApiPropertyOptional({
    default: 1,
    minimum: 0,
    maximum: 1,
    description: 'reinforcement_learning: exploration rate at the start',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  epsilon_start?: number;

  @ApiPropertyOptional({
    default: 0.05,
    minimum: 0,
    maximum: 1,
    description: 'reinforcement_learning: exploration rate after the decay',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  epsilon_end?: number;

  @ApiPropertyOptional({
    default: 3000,
    minimum: 1,
    maximum: 10000000,
    description: 'reinforcement_learning: environment steps over which epsilon falls linearly',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000000)
  epsilon_decay_steps?: number;

  @ApiPropertyOptional({
    default: 10000,
    minimum: 100,
    maximum: 1000000,
    description: 'reinforcement_learning: transitions kept in the experience replay buffer',
  })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(1000000)
  replay_size?: number;

  @ApiPropertyOptional({
    default: 250,
    minimum: 1,
    maximum: 1000000,
    description: 'reinforcement_learning: environment steps between target-network updates',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000000)
  target_update_interval?: number;

  @ApiPropertyOptional({
    default: 8,
    minimum: 1,
    maximum: 1000,
    description: 'reinforcement_learning: passes over the training part (the best on validation is kept)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  episodes?: number;
}

export interface Hyperparameters {
  units: number;
  layers: number;
  dropout: number;
  learning_rate: number;
  batch_size: number;
  epochs: number;
  early_stopping_patience: number;
  heads?: number;
  threshold_quantile?: number;
  k?: number;
  redundancy_threshold?: number;
  gamma?: number;
  epsilon_start?: number;
  epsilon_end?: number;
  epsilon_decay_steps?: number;
  replay_size?: number;
  target_update_interval?: number;
  episodes?: number;
}

export const DEFAULT_HYPERPARAMETERS: Hyperparameters = {
  units: 64,
  layers: 1,
  dropout: 0.2,
  learning_rate: 0.001,
  batch_size: 32,
  epochs: 100,
  early_stopping_patience: 10,
};
