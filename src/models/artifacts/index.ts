/**
 * The models module's artifact contract: `ModelArtifacts` (write and read a version's files),
 * the file layout, the preprocessing record's type and parser, ids and errors. The store
 * underneath (ArtifactStore) is internal: register `ARTIFACT_PROVIDERS` in the models module.
 */
import { ArtifactFs } from './artifact-fs';
import { ArtifactStore } from './artifact-store';
import { ModelArtifacts } from './model-artifacts';

export { ArtifactCorruptError, artifactRefusal, type ArtifactCheck, type ArtifactProblem } from './artifact-errors';
export {
  assertArtifactPath,
  assertModelId,
  assertVersion,
  isValidModelId,
  isValidVersion,
  MODEL_ID_PATTERN,
  slugify,
  VERSION_PATTERN,
} from './artifact-ids';
export { ARTIFACT_FILES } from './artifact-layout';
export { type ArtifactContent } from './artifact-manifest';
export { type CleanupReport, type WrittenVersion } from './artifact-store';
export { ModelArtifacts, type VersionContent } from './model-artifacts';
export {
  OUTPUT_KINDS,
  parsePreprocessing,
  PreprocessingError,
  type OutputKind,
  type Preprocessing,
  type PreprocessingRecord,
  type StoredMetrics,
} from './preprocessing';
export { VersionArtifacts } from './version-artifacts';

export const ARTIFACT_PROVIDERS = [ArtifactFs, ArtifactStore, ModelArtifacts];
