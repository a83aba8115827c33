import { DataValidationError } from '../common/errors/app-error';
import { FeatureCoreError } from './core/errors';

/** Run a features-core computation; its typed errors become 422s that keep their code and details. */
export function asValidationErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FeatureCoreError) throw new DataValidationError(e.message, e.details, e.code);
    throw e;
  }
}
