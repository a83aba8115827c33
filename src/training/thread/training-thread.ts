/**
 * Entry point of the training worker thread. Training runs here so that the HTTP thread
 * stays responsive, and so that nothing else in the process draws from the seeded
 * Math.random sequence (fit's shuffle and dropout use it): same data + seed = same model.
 */
// First: from here on the thread's console output is logged by the parent as JSON.
import './thread-console';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import {
  anomalyScorer,
  buildAutoencoder,
  buildNetwork,
  compileNetwork,
  fitNetwork,
  getArchitecture,
  initTfBackend,
  predictBatch,
  saveModel,
  seedGlobalRandom,
} from '../../ml';
import { saveOnnx } from '../../ml/onnx';
import { greedyActions, servingQNetwork, trainDqn } from '../../ml/rl';
import type { TrainingThreadInput, TrainingThreadMessage } from './protocol';

const post = (m: TrainingThreadMessage) => parentPort!.postMessage(m);

async function main(input: TrainingThreadInput): Promise<void> {
  const selection = await initTfBackend(input.backend, {
    cudaVisibleDevices: input.cudaVisibleDevices,
    webgpuDawnBackend: input.webgpuDawnBackend,
    gpuAdapter: input.gpuAdapter,
    nativeEngine: input.nativeEngine,
  });
  post({ type: 'backend', name: selection.name, details: { ...selection } as unknown as Record<string, unknown> });
  if (input.kind === 'dqn') return runDqn(input);
  const cancel = new Int32Array(input.cancelFlag);
  const tensorsBefore = tf.memory().numTensors;
  seedGlobalRandom(input.seed);
  const { window, numFeatures } = input;
  const autoencoder = input.kind === 'autoencoder';
  const x = (values: Float32Array, n: number) => ({ values, shape: [n, window, numFeatures] });
  // An autoencoder's target is its input.
  const y = (values: Float32Array, n: number) => (autoencoder ? x(values, n) : { values, shape: [n, input.yWidth] });

  // Built inside tidy: tfjs's LSTM `unitForgetBias` initializer leaves 4 intermediate
  // tensors behind on every build; tidy frees them (the weights are variables and stay).
  let built: tf.LayersModel | undefined;
  tf.tidy(() => {
    built = autoencoder ? buildAutoencoder(input.autoencoder!) : buildNetwork(input.network!);
  });
  const model = compileNetwork(built!, { learningRate: input.learningRate, loss: input.loss });
  const started = Date.now();
  try {
    const hasVal = input.counts.val > 0;
    const result = await fitNetwork(model, {
      xTrain: x(input.xTrain, input.counts.train),
      yTrain: y(autoencoder ? input.xTrain : input.yTrain, input.counts.train),
      ...(hasVal
        ? { xVal: x(input.xVal, input.counts.val), yVal: y(autoencoder ? input.xVal : input.yVal, input.counts.val) }
        : {}),
      ...(input.classWeight ? { classWeight: input.classWeight } : {}),
      epochs: input.epochs,
      batchSize: input.batchSize,
      patience: input.patience,
      shuffle: true,
      restoreBestWeights: hasVal,
      shouldStop: () => Atomics.load(cancel, 0) === 1,
      onEpoch: (epoch, logs) =>
        post({
          type: 'epoch',
          epoch,
          loss: logs.loss,
          val_loss: logs.val_loss ?? null,
          elapsed_ms: Date.now() - started,
        }),
    });
    // What is saved and served: the network itself, or the autoencoder's scorer.
    const served = autoencoder ? anomalyScorer(model) : model;
    const predict = (values: Float32Array, n: number) =>
      n === 0 ? Promise.resolve(new Float32Array(0)) : predictBatch(served, values, [n, window, numFeatures]);
    const predictions = {
      ...(input.predictTrain ? { train: await predict(input.xTrain, input.counts.train) } : {}),
      val: await predict(input.xVal, input.counts.val),
      test: await predict(input.xTest, input.counts.test),
    };
    // An architecture the ONNX export cannot map says so in the registry: its version keeps
    // the tfjs files only (tfjs serves it) and records why there is no model.onnx.
    const onnx = autoencoder ? ({ exported: true } as const) : getArchitecture(input.network!.architecture).onnx;
    const onnxUnavailable = onnx.exported
      ? null
      : `architecture ${input.network!.architecture} has no ONNX export: ${onnx.reason}`;
    if (!result.cancelled) {
      await saveModel(served, input.saveDir);
      // The same network as ONNX (model.onnx), so it can be served by ONNX Runtime and run elsewhere.
      if (onnx.exported) await saveOnnx(served, input.saveDir);
    }
    // model.dispose() leaves the optimizer's slots (Adam's moments): free them too.
    model.optimizer?.dispose();
    model.dispose();
    post({
      type: 'done',
      cancelled: result.cancelled,
      bestEpoch: result.bestEpoch,
      stoppedEarly: result.stoppedEarly,
      diverged: result.diverged,
      history: result.history,
      predictions,
      onnxUnavailable,
      tensorsBefore,
      tensorsAfter: tf.memory().numTensors,
    });
  } catch (e) {
    model.optimizer?.dispose();
    model.dispose();
    throw e;
  }
}

/** The DQN agent: trained on the training part, selected on validation, acted greedily on test. */
async function runDqn(input: TrainingThreadInput): Promise<void> {
  const cancel = new Int32Array(input.cancelFlag);
  const tensorsBefore = tf.memory().numTensors;
  seedGlobalRandom(input.seed);
  const { window, numFeatures } = input;
  const d = input.dqn!;
  const env = (states: Float32Array, part: 'train' | 'val' | 'test') => ({
    states,
    window,
    features: numFeatures,
    nextReturns: d.returns[part],
    costs: d.costs[part],
  });
  const started = Date.now();
  const result = await trainDqn({
    train: env(input.xTrain, 'train'),
    validation: env(input.xVal, 'val'),
    config: { ...d.config, seed: input.seed },
    shouldStop: () => Atomics.load(cancel, 0) === 1,
    onEpisode: (log) =>
      post({
        type: 'epoch',
        epoch: log.episode,
        loss: log.train_reward,
        val_loss: log.val_return,
        elapsed_ms: Date.now() - started,
      }),
  });
  try {
    const test = await greedyActions(result.network, env(input.xTest, 'test'));
    if (!result.cancelled) {
      const served = servingQNetwork(result.network, window, numFeatures);
      await saveModel(served, input.saveDir);
      await saveOnnx(served, input.saveDir);
    }
    post({
      type: 'dqn-done',
      cancelled: result.cancelled,
      bestEpisode: result.bestEpisode,
      rewardScale: result.rewardScale,
      history: result.history,
      testActions: test.actions,
      testQValues: test.qValues,
      tensorsBefore,
      tensorsAfter: tensorsBefore,
    });
  } finally {
    result.network.dispose();
  }
}

main(workerData as TrainingThreadInput).catch((e: Error) => post({ type: 'error', message: e.message, name: e.name }));
