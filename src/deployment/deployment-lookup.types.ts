/**
 * A local copy of the prediction module's lookup interface (src/prediction/deployment-lookup.ts),
 * identical in shape, so this module compiles before that file exists. Bind
 * `DeploymentLookupService` to the prediction module's DEPLOYMENT_LOOKUP token.
 */
export const DEPLOYMENT_LOOKUP = Symbol('DEPLOYMENT_LOOKUP');

export interface ActiveDeployment {
  version: string;
  /**
   * The signal a caller gets is prediction × scaling_factor. What it means per model type:
   * - time_series (regression of a return, e.g. price_change_1d): a signed position size —
   *   the forecast return times the deployment's leverage-like factor (sign = direction).
   * - classification (direction_H / regime): the score of the predicted class (or P(up) − P(down)
   *   for direction) times the factor; sign = direction, magnitude = conviction.
   * - anomaly_detection: the anomaly score times the factor (a risk-off weight).
   * The prediction module computes it; the deployment only stores the factor.
   */
  scaling_factor: number;
  deployment_id: string;
  /** low | medium | high (the prediction module's interface types it as string). */
  monitoring_level: 'low' | 'medium' | 'high';
}

export interface MonitoringEvent {
  /**
   * What the model saw. Read for drift as either `{ symbol?, timeframe?, features: { name: number[] } }`
   * or `{ name: number[] }` directly: raw (unscaled) feature values of the window, oldest first.
   */
  inputs: unknown;
  /**
   * What the caller got, e.g. `{ prediction: { value } | { class } | { score } | { action }, signal }`;
   * numbers found under prediction / predictions / value / score feed the prediction distribution,
   * strings under label / class / action the label counts.
   */
  outputs: unknown;
  latency_ms: number;
  ok: boolean;
}

export interface DeploymentLookup {
  activeVersion(modelId: string, target: string): Promise<ActiveDeployment | null>;
  deployedVersions(modelId: string): Promise<string[]>;
  record?(deploymentId: string, event: MonitoringEvent): void;
}
