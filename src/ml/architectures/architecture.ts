import type * as tf from '@tensorflow/tfjs';
import type { NetworkSpec } from './network-spec';

/** One problem of a spec that only its architecture knows about (e.g. heads dividing units). */
export interface ArchitectureProblem {
  /** The spec field (and request hyperparameter) at fault, e.g. `heads`. */
  field: string;
  /** The full sentence, e.g. `units (10) must be divisible by heads (4)`. */
  message: string;
  /** A short form for a field-level error list, e.g. `units must be divisible by heads`. */
  error: string;
}

/**
 * Everything the service knows about one network architecture, in one place. A new
 * architecture is one file exporting one of these, plus its line in registry.ts: the request
 * DTO's allowed values, the model types offering it, the memory check, the build in the
 * training thread, the ONNX export decision and the README table all read it from there.
 *
 * Pure: tensors in, tensors out (ml/ knows nothing of HTTP or the database). `offeredFor`
 * names training model types as plain strings; ml/ attaches no meaning to them.
 */
export interface ArchitectureDefinition {
  /** The request's `architecture` value, lowercase. */
  readonly name: string;
  /** One line for the docs (README table, Swagger description). */
  readonly summary: string;
  /** Training model types that offer it (time_series, classification, anomaly_detection…). */
  readonly offeredFor: readonly string[];
  /** Defaults of the generic hyperparameters where this architecture wants others than the service's. */
  readonly hyperparameterDefaults?: Partial<Pick<NetworkSpec, 'units' | 'layers' | 'dropout'>>;
  /** Whether the fused native engine (ml/native) accelerates its layers. */
  readonly nativeEngine: boolean;
  /** Whether a trained model exports to model.onnx; when not, why (tfjs serves it then). */
  readonly onnx: { readonly exported: true } | { readonly exported: false; readonly reason: string };
  /** Uncompiled model [batch, window, numFeatures] → [batch, outputUnits]; the spec is already validated. */
  build(spec: NetworkSpec): tf.LayersModel;
  /** Exactly model.countParams() of build(spec), computed without building (memory.ts). */
  countParameters(spec: NetworkSpec): number;
  /** Floats of intermediate values one sample keeps in a forward pass: a generous upper bound. */
  activationsPerSample(spec: NetworkSpec): number;
  /** Problems beyond the common checks (positive sizes, dropout range); none when absent. */
  validate?(spec: NetworkSpec): ArchitectureProblem[];
}
