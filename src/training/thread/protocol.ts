import type { NetworkSpec } from '../../ml/architectures/network-spec';

/** What the training thread is given (workerData). Arrays are transferred, not copied. */
export interface TrainingThreadInput {
  backend: string;
  cudaVisibleDevices?: string;
  seed: number;
  network: NetworkSpec;
  loss: 'mse' | 'mae' | 'huber' | 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy';
  learningRate: number;
  epochs: number;
  batchSize: number;
  patience: number;
  xTrain: Float32Array;
  yTrain: Float32Array;
  xVal: Float32Array;
  yVal: Float32Array;
  xTest: Float32Array;
  /** Samples in each part; x shape is [n, window, numFeatures], y shape [n, yWidth]. */
  counts: { train: number; val: number; test: number };
  yWidth: number;
  /** Where the trained model's files are written (model.json + weights.bin). */
  saveDir: string;
  /** Int32Array over a SharedArrayBuffer: [0] becomes 1 when the job is cancelled. */
  cancelFlag: SharedArrayBuffer;
}

export type TrainingThreadMessage =
  | { type: 'backend'; name: string; details: Record<string, unknown> }
  | { type: 'epoch'; epoch: number; loss: number; val_loss: number | null; elapsed_ms: number }
  | {
      type: 'done';
      cancelled: boolean;
      bestEpoch: number;
      stoppedEarly: boolean;
      diverged: boolean;
      history: { loss: number[]; val_loss: number[] };
      predictions: { val: Float32Array; test: Float32Array };
      tensorsBefore: number;
      tensorsAfter: number;
    }
  | { type: 'error'; message: string; name: string };
