import { DataValidationError } from '../common/errors/app-error';
import { architecturesOfferedFor, findArchitecture, type NetworkSpec } from '../ml/architectures';
import type { TrainingPlan } from './trainers/trainer';

/**
 * What training reads from the architecture registry (ml/architectures/registry.ts): which
 * architectures a model type offers, their checks before anything is queued, the spec the
 * memory estimate is computed for, and their hyperparameter defaults. No architecture is
 * named here: a new one needs no change in training/.
 */

/** A trainer's architectures: its default first, then the others offered for its model type in registry order. */
export function offeredArchitectures(modelType: string, defaultArchitecture: string): string[] {
  const offered = architecturesOfferedFor(modelType);
  return offered.includes(defaultArchitecture)
    ? [defaultArchitecture, ...offered.filter((a) => a !== defaultArchitecture)]
    : offered;
}

/** The network a plan would train, as the registry's validation and the memory estimate see it. */
export function planNetworkSpec(plan: TrainingPlan, architecture = plan.architecture): NetworkSpec {
  const hp = plan.hyperparameters;
  return {
    architecture,
    window: plan.window,
    numFeatures: plan.features.length,
    units: hp.units,
    layers: hp.layers,
    dropout: hp.dropout,
    heads: hp.heads,
    outputUnits: 1,
    outputActivation: 'linear',
  };
}

/**
 * The spec of the memory check: the plan's own network, or a dense one of the same size for
 * what the registry does not build as such (the DQN's Q-network, feature selection).
 */
export function memoryEstimateSpec(plan: TrainingPlan): NetworkSpec {
  return planNetworkSpec(plan, findArchitecture(plan.architecture) ? plan.architecture : 'dense');
}

/** 422 unless the model type offers the architecture and the architecture accepts the hyperparameters. */
export function checkArchitecture(modelType: string, offered: readonly string[], plan: TrainingPlan): void {
  if (!offered.includes(plan.architecture)) {
    throw new DataValidationError(
      `architecture ${plan.architecture} is not available for ${modelType}; choose one of ${offered.join(', ')}`,
      {
        fields: [{ field: 'architecture', errors: [`must be one of ${offered.join(', ')}`] }],
      },
    );
  }
  const problems = findArchitecture(plan.architecture)?.validate?.(planNetworkSpec(plan)) ?? [];
  if (problems.length) {
    throw new DataValidationError(`${plan.architecture}: ${problems.map((p) => p.message).join('; ')}`, {
      fields: problems.map((p) => ({ field: `hyperparameters.${p.field}`, errors: [p.error] })),
    });
  }
}

/** The architecture's own defaults for the generic hyperparameters (none for most). */
export function architectureHyperparameterDefaults(
  architecture: string,
): Partial<Pick<NetworkSpec, 'units' | 'layers' | 'dropout'>> {
  return findArchitecture(architecture)?.hyperparameterDefaults ?? {};
}
