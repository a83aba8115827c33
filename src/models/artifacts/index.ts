/** The artifact store: model versions on disk. Register `ARTIFACT_PROVIDERS` in the models module. */
import { ArtifactFs } from './artifact-fs';
import { ArtifactStore } from './artifact-store';

export { ArtifactCorruptError, artifactRefusal, type ArtifactCheck, type ArtifactProblem } from './artifact-errors';
export { ArtifactFs } from './artifact-fs';
export {
  assertArtifactPath,
  assertModelId,
  assertVersion,
  isValidModelId,
  isValidVersion,
  MANIFEST_FILE,
  MODEL_ID_PATTERN,
  slugify,
  VERSION_PATTERN,
} from './artifact-ids';
export {
  EXPECTED_VERSION_FILES,
  type ArtifactContent,
  type ArtifactManifest,
  type ManifestEntry,
} from './artifact-manifest';
export {
  ArtifactStore,
  DEFAULT_STALE_TEMP_MS,
  type CleanupReport,
  type ReadOptions,
  type StoredVersion,
  type WrittenVersion,
} from './artifact-store';

export const ARTIFACT_PROVIDERS = [ArtifactFs, ArtifactStore];
