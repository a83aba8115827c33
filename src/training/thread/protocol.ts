import type { AutoencoderSpec, NetworkSpec } from '../../ml/architectures/network-spec';

/** What the training thread is given (workerData). Arrays are transferred, not copied. */
export interface TrainingThreadInput {
  backend: string;
  cudaVisibleDevices?: string;
  /** WEBGPU_DAWN_BACKEND and GPU_ADAPTER, for TF_BACKEND=webgpu (and auto). */
  webgpuDawnBackend?: 'vulkan' | 'opengles';
  gpuAdapter?: string;
  /** NATIVE_ENGINE: the fused LSTM/GRU addon (auto | on | off). */
  nativeEngine?: 'auto' | 'on' | 'off';
  seed: number;
  /**
   * supervised: `network` fitted on (x, y). autoencoder: `autoencoder` fitted to reconstruct
   * x; the saved model (and its predictions) is then the scorer that outputs each window's
   * reconstruction error.
   */
  kind: 'supervised' | 'autoencoder' | 'dqn';
  /** dqn: the agent's settings and the environments (next-bar returns and costs per sample). */
  dqn?: {
    config: Partial<import('../../ml/rl').DqnConfig>;
    returns: { train: Float64Array; val: Float64Array; test: Float64Array };
    costs: { train: Float64Array; val: Float64Array; test: Float64Array };
  };
  network?: NetworkSpec;
  autoencoder?: AutoencoderSpec;
  /** Class index → loss weight (classification). */
  classWeight?: Record<number, number>;
  /** Also return predictions for the training part (e.g. to set an anomaly threshold). */
  predictTrain?: boolean;
  loss: 'mse' | 'mae' | 'huber' | 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy';
  /** Input shape of one sample. */
  window: number;
  numFeatures: number;
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
  /** Where the trained model's files are written (model.json + weights.bin, and model.onnx when its architecture exports). */
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
      predictions: { train?: Float32Array; val: Float32Array; test: Float32Array };
      /** Why no model.onnx was written (the architecture has no ONNX export); null when it was. */
      onnxUnavailable: string | null;
      tensorsBefore: number;
      tensorsAfter: number;
    }
  | {
      type: 'dqn-done';
      cancelled: boolean;
      bestEpisode: number;
      rewardScale: number;
      history: { episode: number[]; train_reward: number[]; val_return: number[]; epsilon: number[] };
      testActions: Int8Array;
      testQValues: Float32Array;
      tensorsBefore: number;
      tensorsAfter: number;
    }
  | { type: 'error'; message: string; name: string }
  /** Something the thread's libraries printed (tfjs warns through console): logged by the parent as JSON. */
  | { type: 'log'; level: ThreadLogLevel; message: string };

export type ThreadLogLevel = 'debug' | 'log' | 'warn' | 'error';
