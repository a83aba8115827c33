import * as tf from '@tensorflow/tfjs';
import { buildNetwork } from './architectures';
import { initTfBackend } from './backend';
import { predictBatch } from './predict';
import { regressionData } from './testing/synthetic-data';

describe('predictBatch', () => {
  let model: tf.LayersModel;
  const { x } = regressionData(10, 4, 2, 8);

  beforeAll(async () => {
    await initTfBackend('wasm');
    model = buildNetwork({
      architecture: 'gru',
      window: 4,
      numFeatures: 2,
      units: 3,
      layers: 1,
      dropout: 0,
      outputUnits: 2,
      outputActivation: 'linear',
    });
  });
  afterAll(() => model.dispose());

  it('returns the flat [samples × outputUnits] output of model.predict, batching internally', async () => {
    const out = await predictBatch(model, x.values, x.shape, { batchSize: 3 });
    expect(out).toBeInstanceOf(Float32Array);
    expect(out).toHaveLength(20);
    const input = tf.tensor(x.values, x.shape);
    const direct = model.predict(input) as tf.Tensor;
    Array.from(await direct.data()).forEach((v, i) => expect(out[i]).toBeCloseTo(v, 6));
    tf.dispose([input, direct]);
  });

  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await predictBatch(model, x.values, x.shape);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects input whose shape does not fit the model or the data', async () => {
    await expect(predictBatch(model, x.values, [10, 8, 1])).rejects.toThrow("does not match the model's [batch, 4, 2]");
    await expect(predictBatch(model, x.values.subarray(1), x.shape)).rejects.toThrow('needs 80 values, got 79');
  });
});
