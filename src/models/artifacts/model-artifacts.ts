import { Injectable } from '@nestjs/common';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { NotFoundError } from '../../common/errors/app-error';
import type { ModelVersion } from '../entities/model-version.entity';
import { versionSignature } from '../version-signature';
import { ARTIFACT_FILES, NETWORK_DIR_FILES } from './artifact-layout';
import type { ArtifactContent } from './artifact-manifest';
import { ArtifactStore, type CleanupReport, type ReadOptions, type WrittenVersion } from './artifact-store';
import { recordedOnnxUnavailable, type PreprocessingRecord, type StoredMetrics } from './preprocessing';
import { VersionArtifacts } from './version-artifacts';

const F = ARTIFACT_FILES;

/** What a new version stores. */
export interface VersionContent {
  /**
   * The network: a trained one's directory as the ml module saved it (`onnx`: whether it holds
   * model.onnx), or an imported model's ONNX bytes alone. None for model types without one.
   */
  network?: { dir: string; onnx: boolean } | { onnx: Buffer };
  preprocessing: PreprocessingRecord;
  /** Why a trained network has no model.onnx (kept in the record, for GET …/model.onnx to answer with). */
  onnxUnavailable?: string | null;
  metrics: StoredMetrics;
  /** Further files a trainer produced (predictions.csv), by their names in the version; the store checks each value. */
  extraFiles?: Readonly<Record<string, unknown>>;
}

/** The registry's checksum of a version (model_versions.artifact_checksum), null for legacy rows. */
type Checksum = string | null | undefined;

const expect = (checksum: Checksum): ReadOptions => (checksum ? { expectedChecksum: checksum } : {});

/**
 * The artifact contract of the models module: how a version's files are written and read.
 * Every other module goes through this; the store underneath (atomic writes, manifests,
 * verification) is its detail.
 */
@Injectable()
export class ModelArtifacts {
  constructor(private readonly store: ArtifactStore) {}

  /** MODEL_REGISTRY_PATH, absolute. */
  get rootDir(): string {
    return this.store.rootDir;
  }

  /** Absolute path of a version's directory (validated; it may not exist). */
  versionDir(modelId: string, version: string): string {
    return this.store.versionDir(modelId, version);
  }

  /**
   * Write a version's files atomically. `replace`: an earlier attempt of the same job may have
   * written the version and died before the registry update; its files are replaced.
   */
  async writeVersionArtifacts(
    modelId: string,
    version: string,
    content: VersionContent,
    options: { replace?: boolean } = {},
  ): Promise<WrittenVersion> {
    const files: Record<string, ArtifactContent> = {
      ...(await networkFiles(content.network)),
      ...((content.extraFiles ?? {}) as Record<string, ArtifactContent>),
      [F.preprocessing]: content.onnxUnavailable
        ? { ...content.preprocessing, onnx_unavailable: content.onnxUnavailable }
        : content.preprocessing,
      [F.metrics]: content.metrics,
    };
    if (options.replace && (await this.store.exists(modelId, version))) await this.store.remove(modelId, version);
    return this.store.write(modelId, version, files);
  }

  /** Remove a version's files; false when there were none. */
  removeVersion(modelId: string, version: string): Promise<boolean> {
    return this.store.remove(modelId, version);
  }

  /** Remove what crashed writes and deletes left behind (call at start). */
  cleanupTemp(): Promise<CleanupReport> {
    return this.store.cleanupTemp();
  }

  /** Whether the version's files are published (not verified). */
  exists(modelId: string, version: string): Promise<boolean> {
    return this.store.exists(modelId, version);
  }

  /** Verify every file against the manifest and the manifest against `checksum` (ArtifactCorruptError, 404). */
  async verify(modelId: string, version: string, checksum: Checksum): Promise<void> {
    await this.store.read(modelId, version, expect(checksum));
  }

  /** Open a version for serving, every file verified (404 MODEL_VERSION_NOT_FOUND, 500 ARTIFACT_CORRUPT). */
  async openVersion(modelId: string, version: string, checksum: Checksum): Promise<VersionArtifacts> {
    return new VersionArtifacts(await this.store.read(modelId, version, expect(checksum)));
  }

  /** The preprocessing record as stored (a JSON object; monitoring reads its training histograms). */
  readPreprocessingRecord(modelId: string, version: string, checksum?: Checksum): Promise<unknown> {
    return this.store.readJson(modelId, version, F.preprocessing, expect(checksum));
  }

  readMetrics(modelId: string, version: string, checksum: Checksum): Promise<StoredMetrics> {
    return this.store.readJson<StoredMetrics>(modelId, version, F.metrics, expect(checksum));
  }

  /**
   * The version's file list and its `signature` (derived from the preprocessing record; null
   * when the record has no feature list). Throws when the artifact is missing or corrupt.
   */
  async readSignature(v: ModelVersion): Promise<{ files: string[]; signature: Record<string, unknown> | null }> {
    const { manifest, json } = await this.store.manifestAndJson<Record<string, unknown>>(
      v.model_id,
      v.version,
      F.preprocessing,
      expect(v.artifact_checksum),
    );
    const files = Object.keys(manifest.files);
    const signature = json && Array.isArray(json.features) ? versionSignature(json, v, files) : null;
    return { files, signature };
  }

  /** model.onnx (verified), or null when the version has none (or no files at all). */
  async readOnnx(
    modelId: string,
    version: string,
    checksum: Checksum,
  ): Promise<{ data: Buffer; sha256: string } | null> {
    return this.store.readFile(modelId, version, F.onnx, expect(checksum)).catch((e: unknown) => {
      if (e instanceof NotFoundError) return null;
      throw e;
    });
  }

  /** Why training wrote no model.onnx (its architecture has no export), or null. */
  async onnxUnavailableReason(modelId: string, version: string, checksum: string): Promise<string | null> {
    const record = await this.readPreprocessingRecord(modelId, version, checksum).catch(() => null);
    return recordedOnnxUnavailable(record);
  }

  /** predictions.csv (verified), or null when the version keeps none. */
  async readPredictionsCsv(modelId: string, version: string, checksum: string): Promise<Buffer | null> {
    return (await this.store.readFile(modelId, version, F.predictions, expect(checksum)))?.data ?? null;
  }
}

async function networkFiles(network: VersionContent['network']): Promise<Record<string, Buffer>> {
  if (!network) return {};
  if (!('dir' in network)) return { [F.onnx]: network.onnx };
  const read = (name: string) => fs.readFile(path.join(network.dir, name));
  return {
    [F.modelJson]: await read(NETWORK_DIR_FILES.modelJson),
    [F.weights]: await read(NETWORK_DIR_FILES.weights),
    ...(network.onnx ? { [F.onnx]: await read(NETWORK_DIR_FILES.onnx) } : {}),
  };
}
