import type { TfBackendChoice } from './backend-names';

/**
 * Thrown when a backend that was asked for by name cannot be started. There is no silent
 * fallback for explicit choices: someone who sets TF_BACKEND=tensorflow-gpu wants to know
 * that training would otherwise run 10–100× slower on the CPU.
 */
export class TfBackendUnavailableError extends Error {
  override readonly name = 'TfBackendUnavailableError';

  constructor(
    readonly backend: TfBackendChoice,
    readonly reason: string,
  ) {
    super(`TensorFlow.js backend "${backend}" is not available: ${reason}`);
  }
}

/** Thrown for a TF_BACKEND value outside the known list. */
export class InvalidTfBackendError extends Error {
  override readonly name = 'InvalidTfBackendError';

  constructor(
    readonly value: unknown,
    allowed: readonly string[],
  ) {
    super(`TF_BACKEND must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  }
}
