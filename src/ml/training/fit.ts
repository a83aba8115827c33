import * as tf from '@tensorflow/tfjs';
import { toTensor, type OwnedTensor, type TensorInput } from './tensor-input';

export interface EpochLogs {
  loss: number;
  val_loss?: number;
}

export interface FitOptions {
  xTrain: TensorInput;
  yTrain: TensorInput;
  xVal?: TensorInput;
  yVal?: TensorInput;
  epochs: number;
  batchSize: number;
  /**
   * Stop after this many epochs without improvement of val_loss (loss when there is no
   * validation set). Undefined: train all epochs.
   */
  patience?: number;
  /** An improvement smaller than this does not count (default 0). */
  minDelta?: number;
  /**
   * Per-class loss weights for classification (class index → weight), e.g. balanced weights
   * computed from the training part, so a rare class is not simply ignored.
   */
  classWeight?: Record<number, number>;
  /** Shuffle training windows each epoch (default true; draws from Math.random). */
  shuffle?: boolean;
  /** Leave the model holding the weights of the best epoch (default true). */
  restoreBestWeights?: boolean;
  /** Called after every completed epoch (awaited: a slow callback slows training). */
  onEpoch?: (epoch: number, logs: EpochLogs) => void | Promise<void>;
  /** Polled at every batch end; true stops training after the batch that just ran. */
  shouldStop?: () => boolean;
  /** Same as shouldStop, for callers holding an AbortSignal (e.g. pg-boss's job.signal). */
  signal?: AbortSignal;
}

export interface FitResult {
  /** One entry per completed epoch; val_loss is empty without a validation set. */
  history: { loss: number[]; val_loss: number[] };
  /** 0-based epoch whose weights the model holds (with restoreBestWeights), −1 if none completed. */
  bestEpoch: number;
  /** The monitored value (val_loss or loss) at bestEpoch. */
  bestScore: number | undefined;
  stoppedEarly: boolean;
  cancelled: boolean;
  /** The loss became NaN/Infinity; training stopped. */
  diverged: boolean;
}

/**
 * Train a compiled model with early stopping that restores the best weights (tfjs's
 * EarlyStopping cannot: it has no restore_best_weights), cooperative cancellation at
 * batch granularity, and no tensor left behind: everything this function creates is
 * disposed before it returns, whatever happens.
 */
export async function fitNetwork(model: tf.LayersModel, options: FitOptions): Promise<FitResult> {
  validateOptions(options);
  const stopRequested = (): boolean => Boolean(options.signal?.aborted || options.shouldStop?.());
  const result: FitResult = {
    history: { loss: [], val_loss: [] },
    bestEpoch: -1,
    bestScore: undefined,
    stoppedEarly: false,
    cancelled: false,
    diverged: false,
  };
  if (stopRequested()) return { ...result, cancelled: true };

  const owned: OwnedTensor[] = [];
  const own = (input: TensorInput, name: string): tf.Tensor => {
    const t = toTensor(input, name);
    owned.push(t);
    return t.tensor;
  };
  let best: tf.Tensor[] | undefined;
  const dropBest = (): void => {
    if (best) tf.dispose(best);
    best = undefined;
  };

  try {
    const x = own(options.xTrain, 'xTrain');
    const y = own(options.yTrain, 'yTrain');
    assertSameSamples(x, y, 'xTrain', 'yTrain');
    let validationData: [tf.Tensor, tf.Tensor] | undefined;
    if (options.xVal !== undefined && options.yVal !== undefined) {
      validationData = [own(options.xVal, 'xVal'), own(options.yVal, 'yVal')];
      assertSameSamples(validationData[0], validationData[1], 'xVal', 'yVal');
    }
    const monitor = validationData ? 'val_loss' : 'loss';
    const batchesPerEpoch = Math.ceil(x.shape[0] / options.batchSize);
    const minDelta = options.minDelta ?? 0;
    let batchesThisEpoch = 0;
    let sinceImprovement = 0;

    const control = new (class extends tf.Callback {
      // tfjs declares its callbacks as returning promises; these do nothing asynchronous.
      override onEpochBegin(): Promise<void> {
        batchesThisEpoch = 0;
        return Promise.resolve();
      }

      override onBatchEnd(): Promise<void> {
        batchesThisEpoch++;
        if (stopRequested()) {
          result.cancelled = true;
          model.stopTraining = true;
        }
        return Promise.resolve();
      }

      override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
        const values = await resolveLogs(logs);
        // A cancelled, partial epoch has a loss over some batches and no val_loss: not an epoch.
        if (batchesThisEpoch < batchesPerEpoch) return;
        const loss = values['loss'];
        const valLoss = values['val_loss'];
        result.history.loss.push(loss);
        if (valLoss !== undefined) result.history.val_loss.push(valLoss);

        const score = monitor === 'val_loss' ? valLoss : loss;
        if (!Number.isFinite(loss) || score === undefined || !Number.isFinite(score)) {
          result.diverged = true;
          model.stopTraining = true;
        } else if (result.bestScore === undefined || score < result.bestScore - minDelta) {
          result.bestScore = score;
          result.bestEpoch = epoch;
          sinceImprovement = 0;
          // Snapshot by clone: optimisers *assign* new values to variables, so the clone
          // keeps the old buffer without copying it now.
          dropBest();
          best = model.getWeights().map((w) => tf.clone(w));
        } else if (options.patience !== undefined && ++sinceImprovement >= options.patience) {
          result.stoppedEarly = true;
          model.stopTraining = true;
        }
        await options.onEpoch?.(epoch, valLoss === undefined ? { loss } : { loss, val_loss: valLoss });
      }
    })();

    await model.fit(x, y, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      shuffle: options.shuffle ?? true,
      validationData,
      ...(options.classWeight ? { classWeight: options.classWeight } : {}),
      verbose: 0,
      callbacks: [control],
    });

    const lastEpoch = result.history.loss.length - 1;
    if ((options.restoreBestWeights ?? true) && best && result.bestEpoch !== lastEpoch) {
      model.setWeights(best);
    }
    return result;
  } finally {
    dropBest();
    for (const t of owned) if (t.owned) t.tensor.dispose();
  }
}

/** Epoch logs hold scalar tensors here (we extend tf.Callback); read them asynchronously. */
async function resolveLogs(logs: tf.Logs | undefined): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  if (!logs) return out;
  for (const [key, value] of Object.entries(logs as Record<string, number | tf.Scalar>)) {
    out[key] = typeof value === 'number' ? value : (await value.data())[0];
  }
  return out;
}

function assertSameSamples(x: tf.Tensor, y: tf.Tensor, xName: string, yName: string): void {
  if (x.shape[0] !== y.shape[0]) {
    throw new RangeError(`${xName} has ${x.shape[0]} samples but ${yName} has ${y.shape[0]}`);
  }
  if (x.shape[0] === 0) throw new RangeError(`${xName} is empty`);
}

function validateOptions(o: FitOptions): void {
  const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
  if (!positiveInt(o.epochs)) throw new RangeError(`epochs must be a positive integer (got ${o.epochs})`);
  if (!positiveInt(o.batchSize)) throw new RangeError(`batchSize must be a positive integer (got ${o.batchSize})`);
  if (o.patience !== undefined && !positiveInt(o.patience))
    throw new RangeError(`patience must be a positive integer (got ${o.patience})`);
  if ((o.xVal === undefined) !== (o.yVal === undefined)) throw new RangeError('xVal and yVal must be given together');
}
