import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/**
 * Model files on a plain directory, in the same layout tfjs-node's `file://` handler
 * writes (so a model saved here loads in tfjs-node or Python's tensorflowjs converter):
 *   model.json  – topology + weightsManifest (+ training config / metadata if present)
 *   weights.bin – all weights, concatenated in manifest order
 * Written here because the only built-in file handler lives in tfjs-node, which is an
 * optional dependency that is usually absent.
 */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export class ModelFilesError extends Error {
  override readonly name = 'ModelFilesError';
}

/** An IOHandler whose `save` writes model.json + weights.bin into `dir` (created if needed). */
export function directorySaver(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new ModelFilesError('binary (graph-model) topologies are not supported; save a tf.LayersModel');
      }
      const weightData =
        artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.signature) modelJson.signature = artifacts.signature;

      await fs.mkdir(dir, { recursive: true });
      // Write both to temporary names, then rename weights first and model.json last:
      // a reader that finds model.json finds complete weights beside it, and a crash
      // mid-save never leaves a truncated file under the real name.
      const suffix = `.tmp-${process.pid}-${Date.now()}`;
      const weightsPath = path.join(dir, WEIGHTS_BIN);
      const jsonPath = path.join(dir, MODEL_JSON);
      await fs.writeFile(weightsPath + suffix, new Uint8Array(weightData));
      await fs.writeFile(jsonPath + suffix, JSON.stringify(modelJson));
      await fs.rename(weightsPath + suffix, weightsPath);
      await fs.rename(jsonPath + suffix, jsonPath);

      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: Buffer.byteLength(JSON.stringify(artifacts.modelTopology), 'utf8'),
          weightSpecsBytes: Buffer.byteLength(JSON.stringify(artifacts.weightSpecs ?? []), 'utf8'),
          weightDataBytes: weightData.byteLength,
        },
      };
    },
  };
}

/** An IOHandler whose `load` reads what {@link directorySaver} wrote. */
export function directoryLoader(dir: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = path.join(dir, MODEL_JSON);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        throw new ModelFilesError(`cannot read ${jsonPath}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (modelJson === null || typeof modelJson !== 'object' || !modelJson.modelTopology) {
        throw new ModelFilesError(`${jsonPath} has no modelTopology`);
      }
      if (!Array.isArray(modelJson.weightsManifest)) {
        throw new ModelFilesError(`${jsonPath} has no weightsManifest`);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, (manifest) => readWeights(dir, manifest));
    },
  };
}

async function readWeights(
  dir: string,
  manifest: tf.io.WeightsManifestConfig,
): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of manifest) {
    specs.push(...group.weights);
    for (const file of group.paths) {
      // The manifest is data from disk: never let it name a file outside the directory.
      if (file !== path.basename(file) || file === '..' || file === '.') {
        throw new ModelFilesError(
          `weights path ${JSON.stringify(file)} must be a file name inside the model directory`,
        );
      }
      parts.push(await fs.readFile(path.join(dir, file)));
    }
  }
  // Copy into one ArrayBuffer of this realm (fs Buffers are views into a shared pool, and
  // under Jest come from another realm, which tfjs's instanceof checks reject).
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return [specs, out.buffer];
}
