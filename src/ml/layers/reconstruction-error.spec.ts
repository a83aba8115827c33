import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildAutoencoder } from '../architectures';
import { initTfBackend } from '../backend';
import { loadModel, saveModel } from '../io';
import { anomalyScorer } from './reconstruction-error';

describe('anomaly scorer (autoencoder + reconstruction error)', () => {
  beforeAll(async () => {
    await initTfBackend('wasm');
  });

  it('outputs each window’s mean squared reconstruction error, and survives save/reload bit for bit', async () => {
    let ae: tf.LayersModel | undefined;
    tf.tidy(() => {
      ae = buildAutoencoder({ architecture: 'dense', window: 4, numFeatures: 2, units: 4 });
    });
    const scorer = anomalyScorer(ae!);
    const x = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ],
      [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ],
    ]);
    const recon = ae!.predict(x) as tf.Tensor;
    const expected = await tf.mean(tf.squaredDifference(x.reshape([2, 8]), recon.reshape([2, 8])), 1).data();
    const scores = scorer.predict(x) as tf.Tensor;
    expect(scores.shape).toEqual([2, 1]);
    const got = await scores.data();
    expect(Array.from(got)).toEqual(Array.from(expected));

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-scorer-'));
    await saveModel(scorer, dir);
    const reloaded = await loadModel(dir);
    const again = reloaded.predict(x) as tf.Tensor;
    expect(Array.from(await again.data())).toEqual(Array.from(got));
    tf.dispose([x, recon, scores, again]);
    reloaded.dispose();
    scorer.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
