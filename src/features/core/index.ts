/**
 * The pure computational core of the features module: no HTTP, no database, no Nest. The
 * service layer wraps these functions; trainers and the prediction path share them.
 */
export * from './types';
export * from './errors';
export { validateSeries, splitAtGaps, sliceSeries } from './series';
export { CATALOGUE, parseFeature, listCatalogue, exampleName } from './catalogue/catalogue';
export type { FeatureSpec, CatalogueEntry } from './catalogue/catalogue';
export type { FeatureDefinition, ParameterSpec } from './catalogue/definition';
export { computeFeatures } from './catalogue/compute';
export { parseTarget, computeTarget, DIRECTION_CLASSES, DEFAULT_FLAT_BAND, TARGET_PATTERNS } from './targets/targets';
export type { TargetSpec, TargetOptions, TargetKind } from './targets/targets';
export { REGIME_CLASSES, DEFAULT_REGIME } from './targets/regime';
export type { RegimeOptions } from './targets/regime';
export { buildDataset, planDataset } from './dataset/builder';
export type { Dataset, DatasetPart, DatasetPlan, HorizonGapCounts } from './dataset/builder';
export { toBarSeries, columnarBuffers } from './columnar';
export type { DatasetConfig } from './dataset/config';
export { alignStoreFrame } from './dataset/store-features';
export type { StoreFrame, FeatureStoreCounts } from './dataset/store-features';
export { walkForwardFolds } from './dataset/walk-forward';
export type { WalkForwardSpec, FoldBounds, FoldPlan } from './dataset/walk-forward';
export { DEFAULT_MAX_GAP_MS } from './dataset/config';
export {
  trainingRuns,
  runFeatures,
  columnsAsTrained,
  latestRunAsTrained,
  dataRulesFromRecord,
} from './dataset/as-trained';
export type { DataRules } from './dataset/as-trained';
export {
  horizonGapFlags,
  servedHorizonSpansGap,
  servedHorizonGap,
  normalStepMs,
  HORIZON_GAP_POLICIES,
} from './dataset/horizon-gaps';
export type { HorizonGapPolicy } from './dataset/horizon-gaps';
export type { Scaler, ScalerKind, ZScoreScaler, MinMaxScaler } from './dataset/scaler';
export { windowFromRows, windowFromColumns } from './dataset/window';
export { datasetFingerprint, DATASET_ALGORITHM_VERSION } from './dataset/fingerprint';
export { selectFeatures } from './selection/select';
export type { SelectionOptions, SelectionResult, CandidateScore } from './selection/select';
export { spearman } from './selection/rank';
export { mutualInformationContinuous, mutualInformationDiscrete } from './selection/mutual-information';
