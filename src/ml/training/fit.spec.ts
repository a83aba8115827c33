import * as tf from '@tensorflow/tfjs';
import { buildNetwork, compileNetwork } from '../architectures';
import { initTfBackend } from '../backend';
import { withSeed } from '../random';
import { regressionData } from '../testing/synthetic-data';
import { fitNetwork, type FitOptions } from './index';

const W = 6;
const F = 2;
const SAMPLES = 128;
const BATCH = 16; // 8 batches per epoch

const { x, y } = regressionData(SAMPLES, W, F, 21);
const val = regressionData(64, W, F, 22);
// Validation targets with the sign flipped: the better the model fits training data,
// the worse val_loss gets — so the best epoch is an early one and early stopping triggers.
const flippedVal = { x: val.x, y: { values: val.y.values.map((v) => -v), shape: val.y.shape } };

function newModel(): tf.LayersModel {
  return compileNetwork(
    buildNetwork({
      architecture: 'dense',
      window: W,
      numFeatures: F,
      units: 16,
      layers: 1,
      dropout: 0,
      outputUnits: 1,
      outputActivation: 'linear',
    }),
    {
      learningRate: 0.02,
      loss: 'mse',
    },
  );
}

async function lossOn(model: tf.LayersModel, data: typeof val): Promise<number> {
  const xt = tf.tensor(data.x.values, data.x.shape);
  const yt = tf.tensor(data.y.values, data.y.shape);
  const out = model.evaluate(xt, yt) as tf.Scalar;
  const v = (await out.data())[0];
  tf.dispose([xt, yt, out]);
  return v;
}

beforeAll(async () => {
  await initTfBackend('wasm');
});

describe('fitNetwork', () => {
  it('reports loss and val_loss per epoch, to onEpoch and in the history', async () => {
    const model = newModel();
    const seen: [number, number, number | undefined][] = [];
    const r = await fitNetwork(model, {
      xTrain: x,
      yTrain: y,
      xVal: val.x,
      yVal: val.y,
      epochs: 4,
      batchSize: BATCH,
      onEpoch: (epoch, logs) => void seen.push([epoch, logs.loss, logs.val_loss]),
    });
    expect(seen.map((s) => s[0])).toEqual([0, 1, 2, 3]);
    expect(r.history.loss).toEqual(seen.map((s) => s[1]));
    expect(r.history.val_loss).toEqual(seen.map((s) => s[2]));
    expect(r.history.val_loss.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    expect(r).toMatchObject({ stoppedEarly: false, cancelled: false, diverged: false });
    model.dispose();
  });

  it('early stopping: stops after `patience` epochs without improvement and restores the best weights', async () => {
    const model = newModel();
    const r = await fitNetwork(model, {
      xTrain: x,
      yTrain: y,
      xVal: flippedVal.x,
      yVal: flippedVal.y,
      epochs: 30,
      batchSize: BATCH,
      patience: 3,
    });
    expect(r.stoppedEarly).toBe(true);
    const epochsRun = r.history.val_loss.length;
    expect(epochsRun).toBe(r.bestEpoch + 1 + 3);
    expect(r.bestScore).toBe(Math.min(...r.history.val_loss));
    // The model now scores the best epoch's val_loss, not the (worse) last one.
    const now = await lossOn(model, flippedVal);
    expect(now).toBeCloseTo(r.history.val_loss[r.bestEpoch], 4);
    expect(now).toBeLessThan(r.history.val_loss[epochsRun - 1]);
    model.dispose();
  });

  it('restoreBestWeights: false leaves the last epoch’s weights', async () => {
    const model = newModel();
    const r = await fitNetwork(model, {
      xTrain: x,
      yTrain: y,
      xVal: flippedVal.x,
      yVal: flippedVal.y,
      epochs: 30,
      batchSize: BATCH,
      patience: 3,
      restoreBestWeights: false,
    });
    expect(await lossOn(model, flippedVal)).toBeCloseTo(r.history.val_loss[r.history.val_loss.length - 1], 4);
    model.dispose();
  });

  it('cancellation stops right after the batch during which shouldStop became true', async () => {
    const model = newModel();
    let polls = 0;
    const r = await fitNetwork(model, {
      xTrain: x,
      yTrain: y,
      epochs: 5,
      batchSize: BATCH,
      shouldStop: () => ++polls >= 3,
    });
    expect(polls).toBe(3); // polled once per batch end: no 4th batch ran
    expect(r).toMatchObject({ cancelled: true, bestEpoch: -1, history: { loss: [], val_loss: [] } });
    model.dispose();
  });

  it('an AbortSignal aborted during epoch 1 ends training within one batch, keeping epoch 0', async () => {
    const model = newModel();
    const controller = new AbortController();
    const r = await fitNetwork(model, {
      xTrain: x,
      yTrain: y,
      xVal: val.x,
      yVal: val.y,
      epochs: 5,
      batchSize: BATCH,
      signal: controller.signal,
      onEpoch: () => controller.abort(),
    });
    expect(r.cancelled).toBe(true);
    expect(r.history.loss).toHaveLength(1);
    expect(r.bestEpoch).toBe(0);
    model.dispose();
  });

  it('does not train at all when already cancelled', async () => {
    const model = newModel();
    const before = await lossOn(model, val);
    const r = await fitNetwork(model, { xTrain: x, yTrain: y, epochs: 3, batchSize: BATCH, shouldStop: () => true });
    expect(r.cancelled).toBe(true);
    expect(await lossOn(model, val)).toBe(before);
    model.dispose();
  });

  it('accepts nested arrays and rejects NaN, mismatched sample counts and half a validation set', async () => {
    const model = newModel();
    const nestedX = Array.from({ length: 8 }, (_, s) =>
      Array.from({ length: W }, (_, t) => [Math.sin(s + t), Math.cos(s * t)]),
    );
    const nestedY = nestedX.map((w) => [w[W - 1][0]]);
    const r = await fitNetwork(model, { xTrain: nestedX, yTrain: nestedY, epochs: 2, batchSize: 4 });
    expect(r.history.loss).toHaveLength(2);
    const nanY = nestedY.map((v, i) => (i === 3 ? [NaN] : v));
    await expect(fitNetwork(model, { xTrain: nestedX, yTrain: nanY, epochs: 1, batchSize: 4 })).rejects.toThrow(
      'yTrain: contains NaN',
    );
    await expect(
      fitNetwork(model, { xTrain: nestedX, yTrain: nestedY.slice(1), epochs: 1, batchSize: 4 }),
    ).rejects.toThrow('8 samples but yTrain has 7');
    await expect(fitNetwork(model, { xTrain: x, yTrain: y, xVal: val.x, epochs: 1, batchSize: 4 })).rejects.toThrow(
      'together',
    );
    model.dispose();
  });

  it('stops and says so when the loss stops being a finite number', async () => {
    const model = compileNetwork(
      buildNetwork({
        architecture: 'dense',
        window: W,
        numFeatures: F,
        units: 16,
        layers: 3,
        dropout: 0,
        outputUnits: 1,
        outputActivation: 'linear',
      }),
      {
        learningRate: 1e12,
        loss: 'mse',
      },
    );
    const r = await fitNetwork(model, { xTrain: x, yTrain: y, xVal: val.x, yVal: val.y, epochs: 50, batchSize: BATCH });
    expect(r.diverged).toBe(true);
    expect(r.history.loss.length).toBeLessThan(50);
    expect(Number.isFinite(r.history.val_loss[r.history.val_loss.length - 1])).toBe(false);
    model.dispose();
  });

  describe('leaves no tensors behind', () => {
    const cases: [string, Partial<FitOptions>][] = [
      ['plain run with validation', { xVal: val.x, yVal: val.y }],
      ['early stop with best-weights restore', { xVal: flippedVal.x, yVal: flippedVal.y, patience: 2, epochs: 30 }],
      [
        'cancelled mid-epoch',
        {
          shouldStop: (
            (n = 0) =>
            () =>
              ++n > 5
          )(),
        },
      ],
      ['input error', { yTrain: { values: new Float32Array(3), shape: [3, 1] } }],
    ];
    it.each(cases)('%s', async (_, extra) => {
      const model = newModel();
      // First fit creates the optimiser's moment variables, which belong to the model.
      await fitNetwork(model, { xTrain: x, yTrain: y, epochs: 1, batchSize: BATCH });
      const before = tf.memory().numTensors;
      await fitNetwork(model, { xTrain: x, yTrain: y, epochs: 3, batchSize: BATCH, ...extra }).catch(() => undefined);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });
  });

  it('is reproducible: same seed, data and hyperparameters give identical losses and weights', async () => {
    const run = (seed: number) =>
      withSeed(seed, async () => {
        const model = compileNetwork(
          buildNetwork({
            architecture: 'lstm',
            window: W,
            numFeatures: F,
            units: 4,
            layers: 1,
            dropout: 0.2,
            outputUnits: 1,
            outputActivation: 'linear',
          }),
          {
            learningRate: 0.01,
            loss: 'mse',
          },
        );
        const r = await fitNetwork(model, { xTrain: x, yTrain: y, xVal: val.x, yVal: val.y, epochs: 2, batchSize: 32 });
        const weights = await Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));
        model.dispose();
        return { history: r.history, weights };
      });
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    expect(b.history).toEqual(a.history);
    expect(b.weights).toEqual(a.weights);
    expect(c.history.loss).not.toEqual(a.history.loss);
  });
});
