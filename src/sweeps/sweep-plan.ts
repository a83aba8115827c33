import { AppError, DataValidationError } from '../common/errors/app-error';
import { validateNested } from '../common/http/validate-nested';
import { TrainRequestDto } from '../training/dto/train-request.dto';
import type { CreateSweepDto } from './dto/sweep.dto';
import { checkObjective, type Direction } from './objective';
import { applyParams, parseSpace, probeValues, type SearchSpace } from './space';
import { STRATEGIES } from './strategies';

/** The validated sweep request as stored (sweeps.request). */
export interface SweepPlan {
  base: Record<string, unknown>;
  space: SearchSpace;
  strategy: string;
  planned_trials: number;
  parallelism: number;
  max_duration_seconds: number | null;
  objective: { metric: string; direction: Direction };
  seed: number;
  early_stopping: { rule: 'median' | 'none'; warmup_epochs: number; min_trials: number };
}

const DEFAULT_SAMPLER_TRIALS = 10;

/** Everything checkable before a trial runs: space, strategy, objective, budget, and the base request with each extreme written in. */
export async function planSweep(dto: CreateSweepDto): Promise<SweepPlan> {
  const space = parseSpace(dto.space);
  const strategy = STRATEGIES[dto.strategy];
  const capacity = strategy.capacity(space);
  if (capacity === 0) {
    const why = strategy.unsupported?.(space) ?? 'this strategy cannot search the space';
    throw new DataValidationError(
      `space: ${why}`,
      { fields: [{ field: 'space', errors: [why] }] },
      'INFINITE_SEARCH_SPACE',
    );
  }
  const base = await validTrainRequest(dto.base, 'base');
  if (base.model_type === 'feature_engineering') {
    throw new DataValidationError(
      'base.model_type: feature_engineering models are not trained by epochs and have no validation curve to optimise',
      { fields: [{ field: 'base.model_type', errors: ['not a model type a sweep can optimise'] }] },
    );
  }
  const objective = checkObjective(dto.objective.metric, dto.objective.direction, base.model_type);
  for (const [key, dim] of Object.entries(space)) {
    for (const value of probeValues(dim)) {
      try {
        await validTrainRequest(applyParams(dto.base, { [key]: value }), 'base');
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        const fields = (
          (e.details as { fields?: Array<{ field: string; errors: string[] }> } | null)?.fields ?? []
        ).map((f) => ({
          field: `space.${key}`,
          errors: f.errors.map((m) => `${JSON.stringify(value)} gives an invalid ${f.field}: ${m}`),
        }));
        throw new DataValidationError(
          `space.${key}: the value ${JSON.stringify(value)} makes an invalid train request (${e.message})`,
          { fields },
          'INVALID_SEARCH_SPACE',
        );
      }
    }
  }
  const budget = dto.max_trials ?? (Number.isFinite(capacity) ? capacity : DEFAULT_SAMPLER_TRIALS);
  return {
    base: dto.base,
    space,
    strategy: strategy.name,
    planned_trials: Math.min(budget, capacity),
    parallelism: dto.parallelism ?? 2,
    max_duration_seconds: dto.max_duration_seconds ?? null,
    objective,
    seed: dto.seed ?? 0,
    early_stopping: {
      rule: dto.early_stopping?.rule ?? 'median',
      warmup_epochs: dto.early_stopping?.warmup_epochs ?? 1,
      min_trials: dto.early_stopping?.min_trials ?? 3,
    },
  };
}

/** A train request checked by the same rules as POST /models/train; failing fields named under `prefix`. */
export function validTrainRequest(raw: unknown, prefix: string): Promise<TrainRequestDto> {
  return validateNested(TrainRequestDto, raw, prefix);
}
