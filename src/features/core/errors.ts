/**
 * Typed errors of the features core. Each carries a stable `code` and a `details` object so
 * the service layer can map it onto the error envelope (`error_code`, `details`) without
 * parsing messages. Messages are written for the quant who sent the request.
 */
export abstract class FeatureCoreError extends Error {
  abstract readonly code: string;
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The name matches no catalogue entry. */
export class UnknownFeatureError extends FeatureCoreError {
  readonly code = 'UNKNOWN_FEATURE';
  constructor(
    readonly feature: string,
    known: string[],
  ) {
    super(`unknown feature '${feature}'; known features: ${known.join(', ')}`, { feature, known });
  }
}

/** The name matches a catalogue entry but a parameter is missing, not an integer or out of range. */
export class InvalidFeatureParameterError extends FeatureCoreError {
  readonly code = 'INVALID_FEATURE_PARAMETER';
  constructor(
    readonly feature: string,
    readonly parameter: string,
    reason: string,
  ) {
    super(`feature '${feature}': parameter ${parameter} ${reason}`, { feature, parameter, reason });
  }
}

/** The feature needs a column (high, low, …) the series does not carry, or carries with gaps. */
export class MissingColumnError extends FeatureCoreError {
  readonly code = 'MISSING_COLUMN';
  constructor(
    readonly feature: string,
    readonly column: string,
    readonly symbol: string,
    reason = 'is absent',
  ) {
    super(`feature '${feature}' needs the '${column}' column, which ${reason} in the ${symbol} series`, {
      feature,
      column,
      symbol,
      reason,
    });
  }
}

/** The bar series itself is malformed (lengths differ, timestamps not ascending, non-finite close). */
export class InvalidSeriesError extends FeatureCoreError {
  readonly code = 'INVALID_SERIES';
  constructor(
    readonly symbol: string,
    reason: string,
  ) {
    super(`series ${symbol}: ${reason}`, { symbol, reason });
  }
}

/** The target name matches nothing in the target list. */
export class UnknownTargetError extends FeatureCoreError {
  readonly code = 'UNKNOWN_TARGET';
  constructor(
    readonly target: string,
    known: string[],
  ) {
    super(`unknown target '${target}'; known targets: ${known.join(', ')}`, { target, known });
  }
}

/** The target's horizon or option cannot be used (finer than a bar, not whole bars, bad band…). */
export class InvalidTargetError extends FeatureCoreError {
  readonly code = 'INVALID_TARGET';
  constructor(
    readonly target: string,
    reason: string,
  ) {
    super(`target '${target}': ${reason}`, { target, reason });
  }
}

/** The dataset configuration is inconsistent (mixed timeframes, bad splits, W < 1…). */
export class InvalidDatasetConfigError extends FeatureCoreError {
  readonly code = 'INVALID_DATASET_CONFIG';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`dataset config '${field}': ${reason}`, { field, reason });
  }
}

/** Too few bars to make the samples asked for. Says how many are needed and how many were found. */
export class InsufficientDataError extends FeatureCoreError {
  readonly code = 'INSUFFICIENT_DATA';
  constructor(
    readonly barsNeeded: number,
    readonly barsFound: number,
    reason: string,
  ) {
    super(`not enough data: ${reason} (needs at least ${barsNeeded} bars, found ${barsFound})`, {
      bars_needed: barsNeeded,
      bars_found: barsFound,
      reason,
    });
  }
}

/** A stored scaler does not fit the rows handed to it (different features or counts). */
export class ScalerMismatchError extends FeatureCoreError {
  readonly code = 'SCALER_MISMATCH';
  constructor(reason: string) {
    super(`scaler does not fit the input: ${reason}`, { reason });
  }
}

/** Feature selection got inputs it cannot rank (too few complete rows, lengths differ). */
export class InvalidSelectionInputError extends FeatureCoreError {
  readonly code = 'INVALID_SELECTION_INPUT';
  constructor(reason: string) {
    super(`feature selection: ${reason}`, { reason });
  }
}
