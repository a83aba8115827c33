import { AppError, DataValidationError, ModelError } from '../common/errors/app-error';
import { FeatureCoreError } from '../features/core';

/** A 422 naming the one field at fault. */
export function invalid(field: string, message: string): DataValidationError {
  return new DataValidationError(message, { fields: [{ field, errors: [message] }] });
}

/** Features-core errors (warm-up gaps, missing columns…) as 422s that keep their code. */
export function coreErrors<T>(fn: () => T, message?: string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FeatureCoreError)
      throw new DataValidationError(message ? `${message} (${e.message})` : e.message, e.details, e.code);
    if (e instanceof AppError) throw e;
    throw e;
  }
}

/**
 * Finite inputs far outside the training data (1e200…) overflow the network to NaN/Infinity;
 * such an output used to be served as a 200 with `null` values (and NaN's arg-max as the class).
 */
export function assertFiniteOutput(raw: Float32Array, field: string): void {
  for (const v of raw) {
    if (!Number.isFinite(v)) {
      const message = `The model's output for ${field} is not a finite number: the inputs are far outside the range it was trained on`;
      throw new ModelError(message, { fields: [{ field, errors: [message] }] }, 'NON_FINITE_PREDICTION');
    }
  }
}

/**
 * Finite inputs far outside float32's range (1e200…) become ±Infinity in the scaled window.
 * tfjs turned them into a NaN output (caught above), but ONNX Runtime's saturating gates may
 * answer a finite number for them: refuse the window itself, whatever the engine.
 */
export function assertFiniteWindow(window: Float32Array, field: string): void {
  for (const v of window) {
    if (!Number.isFinite(v)) {
      const message = `The model's output for ${field} is not a finite number: the inputs are far outside the range it was trained on (they overflow once scaled)`;
      throw new ModelError(message, { fields: [{ field, errors: [message] }] }, 'NON_FINITE_PREDICTION');
    }
  }
}
