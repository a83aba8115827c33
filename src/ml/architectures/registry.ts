import type { ArchitectureDefinition } from './architecture';
import { DENSE_ARCHITECTURE } from './dense';
import {
  checkCommon,
  InvalidNetworkSpecError,
  OUTPUT_ACTIVATIONS,
  positiveInt,
  type NetworkSpec,
} from './network-spec';
import { GRU_ARCHITECTURE, LSTM_ARCHITECTURE } from './recurrent';
import { TCN_ARCHITECTURE } from './tcn';
import { TRANSFORMER_ARCHITECTURE } from './transformer';

/**
 * The architecture registry: every network a request can name, in the order the docs list
 * them. Adding one = a file exporting an ArchitectureDefinition + its line here.
 */
export const ARCHITECTURE_REGISTRY: readonly ArchitectureDefinition[] = [
  LSTM_ARCHITECTURE,
  GRU_ARCHITECTURE,
  TRANSFORMER_ARCHITECTURE,
  DENSE_ARCHITECTURE,
  TCN_ARCHITECTURE,
];

const BY_NAME = new Map(ARCHITECTURE_REGISTRY.map((a) => [a.name, a]));
if (BY_NAME.size !== ARCHITECTURE_REGISTRY.length) throw new Error('architecture registry: two entries share a name');

export function architectureNames(): string[] {
  return ARCHITECTURE_REGISTRY.map((a) => a.name);
}

export function findArchitecture(name: string): ArchitectureDefinition | undefined {
  return BY_NAME.get(name);
}

/** The entry for a name; throws InvalidNetworkSpecError naming the known ones otherwise. */
export function getArchitecture(name: string): ArchitectureDefinition {
  const found = BY_NAME.get(name);
  if (!found)
    throw new InvalidNetworkSpecError([
      `architecture must be one of ${architectureNames().join(', ')} (got ${String(name)})`,
    ]);
  return found;
}

/** Names of the architectures offered for a model type, in registry order. */
export function architecturesOfferedFor(modelType: string): string[] {
  return ARCHITECTURE_REGISTRY.filter((a) => a.offeredFor.includes(modelType)).map((a) => a.name);
}

/** Lists every problem of a spec at once (common checks, then the architecture's own). */
export function validateNetworkSpec(spec: NetworkSpec): void {
  const problems: string[] = [];
  const arch = BY_NAME.get(spec.architecture);
  if (!arch)
    problems.push(`architecture must be one of ${architectureNames().join(', ')} (got ${String(spec.architecture)})`);
  checkCommon(spec, problems);
  if (!positiveInt(spec.layers)) problems.push(`layers must be a positive integer (got ${String(spec.layers)})`);
  if (!positiveInt(spec.outputUnits))
    problems.push(`outputUnits must be a positive integer (got ${String(spec.outputUnits)})`);
  if (!(OUTPUT_ACTIVATIONS as readonly string[]).includes(spec.outputActivation)) {
    problems.push(
      `outputActivation must be one of ${OUTPUT_ACTIVATIONS.join(', ')} (got ${String(spec.outputActivation)})`,
    );
  }
  for (const p of arch?.validate?.(spec) ?? []) problems.push(p.message);
  if (problems.length) throw new InvalidNetworkSpecError(problems);
}
