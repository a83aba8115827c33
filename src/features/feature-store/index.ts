/** The feature-store client: what other modules may import from this folder. */
export { FeatureStoreClient } from './feature-store.client';
export { FEATURE_STORE_OPTIONS, DEFAULT_FEATURE_STORE_OPTIONS } from './feature-store.options';
export type { FeatureStoreClientOptions } from './feature-store.options';
export { FEATURE_STORE_ERROR_CODES } from './feature-store.errors';
export {
  FEATURE_STORE_PATH,
  ContractViolation,
  normaliseFeatureQuery,
  validateFeatureStoreResponse,
} from './feature-store.contract';
export type { FeatureStoreQuery, FeatureFrame, ContractCheck } from './feature-store.contract';
