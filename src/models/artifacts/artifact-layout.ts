/**
 * The files of one model version, spelled here and nowhere else. Trainers and the import
 * write them through ModelArtifacts; prediction, monitoring and deployment read them through
 * it. (The store itself enforces only the manifest; this is the contract on top of it.)
 *
 * - `model/model.json`    the tfjs model topology and weights manifest
 * - `model/weights.bin`   the tfjs weights
 * - `model/model.onnx`    the same network as ONNX (when its architecture exports; imports have only this)
 * - `preprocessing.json`  features, window, horizon, scalers, target, outputs: everything needed
 *                         to turn market data into the exact input the model was trained on
 *                         (read with `parsePreprocessing`)
 * - `metrics.json`        evaluation metrics beside the naive baselines, the training curve
 * - `predictions.csv`     validation and test predictions beside the realised values (some model types)
 * - `manifest.json`       written by the store: sha256 and size of every file above
 */
import { MANIFEST_FILE } from './artifact-ids';

export const ARTIFACT_FILES = {
  modelJson: 'model/model.json',
  weights: 'model/weights.bin',
  onnx: 'model/model.onnx',
  preprocessing: 'preprocessing.json',
  metrics: 'metrics.json',
  predictions: 'predictions.csv',
  manifest: MANIFEST_FILE,
} as const;

/**
 * A trained network's directory as the ml module saves it (model.json, weights.bin and, when
 * exported, model.onnx): the same names as the version's `model/` folder.
 */
export const NETWORK_DIR_FILES = {
  modelJson: 'model.json',
  weights: 'weights.bin',
  onnx: 'model.onnx',
} as const;
