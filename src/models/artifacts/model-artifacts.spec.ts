/**
 * The artifact contract (ModelArtifacts) on the real filesystem: what a trainer or the import
 * writes is what prediction, the signature and monitoring read back, and the preprocessing
 * record is checked once, when it is read.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig } from '../../config/app-config';
import type { ModelVersion } from '../entities/model-version.entity';
import { ArtifactStore } from './artifact-store';
import { ARTIFACT_FILES, ModelArtifacts, PreprocessingError } from './index';

const PRE = {
  model_type: 'time_series',
  features: ['rsi_14', 'sma_20'],
  window: 8,
  horizon: 1,
  timeframe: '1h',
  target: 'return_1',
  scaler: { kind: 'zscore', features: ['rsi_14', 'sma_20'], mean: [50, 1.1], std: [10, 0.01] },
  target_scaler: { mean: 0, std: 2 },
};
const METRICS = { metrics: { rmse: 1 }, baselines: { naive: { rmse: 2 } }, history: { val_loss: [3, 2] } };

let tmp: string;
let artifacts: ModelArtifacts;
let networkDir: string;

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'model-artifacts-'));
  const config = AppConfig.fromEnv({}, { MODEL_REGISTRY_PATH: path.join(tmp, 'registry') });
  artifacts = new ModelArtifacts(new ArtifactStore(config));
  // A trained network's directory as the ml module saves it.
  networkDir = path.join(tmp, 'network');
  await fs.mkdir(networkDir);
  await fs.writeFile(path.join(networkDir, 'model.json'), JSON.stringify({ weightsManifest: [] }));
  await fs.writeFile(path.join(networkDir, 'weights.bin'), Buffer.alloc(64, 7));
  await fs.writeFile(path.join(networkDir, 'model.onnx'), Buffer.from('onnx-bytes'));
});
afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

const row = (version: string, checksum: string | null): ModelVersion =>
  ({
    model_id: 'eurusd',
    version,
    symbols: ['EURUSD'],
    target: 'return_1',
    artifact_checksum: checksum,
    status: 'experimental',
  }) as ModelVersion;

it('stores a trained version in the layout and opens it verified, with its record parsed', async () => {
  const written = await artifacts.writeVersionArtifacts('eurusd', '1.0.0', {
    network: { dir: networkDir, onnx: true },
    preprocessing: PRE,
    metrics: METRICS,
    extraFiles: { [ARTIFACT_FILES.predictions]: 'timestamp,prediction\n' },
  });
  expect(Object.keys(written.manifest.files).sort()).toEqual(
    [
      ARTIFACT_FILES.metrics,
      ARTIFACT_FILES.modelJson,
      ARTIFACT_FILES.onnx,
      ARTIFACT_FILES.weights,
      ARTIFACT_FILES.predictions,
      ARTIFACT_FILES.preprocessing,
    ].sort(),
  );
  const opened = await artifacts.openVersion('eurusd', '1.0.0', written.checksum);
  expect([opened.hasTfjs, opened.hasOnnx, opened.networkProblem]).toEqual([true, true, null]);
  const { parsed, noOnnxReason } = await opened.preprocessing('time_series');
  expect(parsed).toMatchObject({ features: PRE.features, window: 8, output: 'regression', output_units: 1 });
  expect(noOnnxReason).toBeNull();
  expect((await opened.onnx()).toString()).toBe('onnx-bytes');
  expect((await opened.tfjs()).bytes).toBe(written.manifest.files[ARTIFACT_FILES.modelJson].bytes + 64);
  expect(await artifacts.readMetrics('eurusd', '1.0.0', written.checksum)).toEqual(METRICS);
  expect((await artifacts.readPredictionsCsv('eurusd', '1.0.0', written.checksum))?.toString()).toBe(
    'timestamp,prediction\n',
  );
});

it('records why a network has no model.onnx, and GET …/model.onnx finds no file and that reason', async () => {
  const written = await artifacts.writeVersionArtifacts('eurusd', '1.0.0', {
    network: { dir: networkDir, onnx: false },
    preprocessing: PRE,
    onnxUnavailable: 'TCN has no ONNX export',
    metrics: METRICS,
  });
  expect(await artifacts.readOnnx('eurusd', '1.0.0', written.checksum)).toBeNull();
  expect(await artifacts.onnxUnavailableReason('eurusd', '1.0.0', written.checksum)).toBe('TCN has no ONNX export');
  const opened = await artifacts.openVersion('eurusd', '1.0.0', written.checksum);
  expect((await opened.preprocessing('time_series')).noOnnxReason).toBe('TCN has no ONNX export');
  expect(await artifacts.readPredictionsCsv('eurusd', '1.0.0', written.checksum)).toBeNull();
});

it('an imported model holds model.onnx alone; its signature derives from the record', async () => {
  const written = await artifacts.writeVersionArtifacts('eurusd', '1.0.0', {
    network: { onnx: Buffer.from('imported') },
    preprocessing: { ...PRE, onnx: { input: 'x', output: 'y', input_shape: ['batch', 8, 2] } },
    metrics: { metrics: {}, baselines: {}, history: null },
  });
  const opened = await artifacts.openVersion('eurusd', '1.0.0', written.checksum);
  expect([opened.hasTfjs, opened.hasOnnx]).toEqual([false, true]);
  const { files, signature } = await artifacts.readSignature(row('1.0.0', written.checksum));
  expect(files.sort()).toEqual([ARTIFACT_FILES.metrics, ARTIFACT_FILES.onnx, ARTIFACT_FILES.preprocessing]);
  expect(signature).toMatchObject({
    features: PRE.features,
    window: 8,
    target_scaler: { mean: 0, std: 2 },
    onnx: { input: 'x', output: 'y', file: '/api/v1/models/eurusd/versions/1.0.0/model.onnx' },
  });
});

it('replaces an earlier attempt of the same version only when asked to', async () => {
  const content = { preprocessing: PRE, metrics: METRICS };
  await artifacts.writeVersionArtifacts('eurusd', '1.0.0', content);
  await expect(artifacts.writeVersionArtifacts('eurusd', '1.0.0', content)).rejects.toMatchObject({
    status: 409,
    errorCode: 'MODEL_VERSION_EXISTS',
  });
  const again = await artifacts.writeVersionArtifacts(
    'eurusd',
    '1.0.0',
    { ...content, metrics: { ...METRICS, note: 'retry' } },
    { replace: true },
  );
  expect((await artifacts.readMetrics('eurusd', '1.0.0', again.checksum)).note).toBe('retry');
});

it('refuses an invalid or missing preprocessing record when the version is opened for serving', async () => {
  const bad = await artifacts.writeVersionArtifacts('eurusd', '1.0.0', {
    preprocessing: { ...PRE, window: 0 },
    metrics: METRICS,
  });
  const opened = await artifacts.openVersion('eurusd', '1.0.0', bad.checksum);
  expect(opened.networkProblem).toMatch(/neither model\/model\.onnx nor/);
  await expect(opened.preprocessing('time_series')).rejects.toThrow(PreprocessingError);
  await expect(opened.preprocessing('time_series')).rejects.toThrow('preprocessing.json has no valid window');
  await expect(artifacts.openVersion('eurusd', '2.0.0', null)).rejects.toMatchObject({
    status: 404,
    errorCode: 'MODEL_VERSION_NOT_FOUND',
  });
});

it('a rewritten version does not match the checksum the registry recorded', async () => {
  await artifacts.writeVersionArtifacts('eurusd', '1.0.0', { preprocessing: PRE, metrics: METRICS });
  await expect(artifacts.verify('eurusd', '1.0.0', 'f'.repeat(64))).rejects.toMatchObject({
    errorCode: 'ARTIFACT_CORRUPT',
  });
});
