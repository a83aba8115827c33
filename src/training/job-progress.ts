import { DQN_DEFAULTS } from '../ml/rl/dqn-config';
import type { JobStatus } from './training-job.entity';
import type { TrainingPlan } from './trainers/trainer';

/**
 * What a job counts while it runs, per kind: a network trains for epochs, an agent for
 * episodes, a feature selection scores candidate features (it has no epochs).
 */
export type ProgressUnit = 'epoch' | 'episode' | 'candidate';

/**
 * A job's progress as stored and shown. `unit` says which counter pair is present:
 * epoch/epochs (with loss, val_loss), episode/episodes (with train_reward, val_return) or
 * scored/candidates. `phase` follows the job: building dataset → training | scoring
 * candidates → saving artifacts → done; cancelled and failed jobs say so.
 */
export interface JobProgress {
  phase: string;
  unit: ProgressUnit;
  eta_seconds: number | null;
  epoch?: number;
  epochs?: number;
  loss?: number | null;
  val_loss?: number | null;
  episode?: number;
  episodes?: number;
  train_reward?: number | null;
  val_return?: number | null;
  scored?: number;
  candidates?: number;
  /** Walk-forward: null while the final model trains (the folds run as jobs of their own). */
  fold?: number | null;
  folds?: number;
  /** Walk-forward: how many of the `folds` fold jobs have succeeded. */
  folds_done?: number;
}

const PHASE_OF_FINAL: Partial<Record<JobStatus, string>> = {
  succeeded: 'done',
  cancelled: 'cancelled',
  failed: 'failed',
};

/** The counters of a job that has not started counting yet (0 of its total). */
export function startProgress(
  unit: ProgressUnit,
  plan: Pick<TrainingPlan, 'hyperparameters' | 'features'>,
  phase: string,
): JobProgress {
  if (unit === 'candidate') return { phase, unit, scored: 0, candidates: plan.features.length, eta_seconds: null };
  if (unit === 'episode')
    return {
      phase,
      unit,
      episode: 0,
      episodes: plan.hyperparameters.episodes ?? DQN_DEFAULTS.episodes,
      train_reward: null,
      val_return: null,
      eta_seconds: null,
    };
  return { phase, unit, epoch: 0, epochs: plan.hyperparameters.epochs, loss: null, val_loss: null, eta_seconds: null };
}

/** One finished epoch (or episode) as a progress patch, with the ETA from the mean time per step. */
export function stepProgress(
  unit: 'epoch' | 'episode',
  m: { epoch: number; loss: number; val_loss: number | null; elapsed_ms: number },
  total: number,
): Partial<JobProgress> {
  const done = m.epoch + 1;
  const eta_seconds = Math.round(((m.elapsed_ms / done) * (total - done)) / 1000);
  if (unit === 'episode')
    return {
      phase: 'training',
      unit,
      episode: done,
      episodes: total,
      train_reward: m.loss,
      val_return: m.val_loss,
      eta_seconds,
    };
  return { phase: 'training', unit, epoch: done, epochs: total, loss: m.loss, val_loss: m.val_loss, eta_seconds };
}

/**
 * Progress as a client reads it: a final job's phase is its outcome (rows written before
 * phases followed the status said "training" after a cancel), a queued job that never ran
 * shows 0 of its total, and rows from before `unit` existed get the kind's unit.
 */
export function progressView(
  status: JobStatus,
  stored: Partial<JobProgress> | null,
  unit: ProgressUnit,
  plan: Pick<TrainingPlan, 'hyperparameters' | 'features'>,
): JobProgress {
  const base: JobProgress = {
    ...startProgress(unit, plan, status === 'queued' ? 'queued' : status),
    ...(stored ?? {}),
    unit,
  };
  if (unit !== 'epoch') {
    // Older rows of agents and selections carried a network's epoch counters: an agent's
    // were its episodes; a selection's (0 of the epochs hyperparameter) meant nothing.
    if (unit === 'episode' && stored?.episode === undefined && stored?.epoch !== undefined) {
      Object.assign(base, {
        episode: stored.epoch,
        episodes: stored.epochs,
        train_reward: stored.loss ?? null,
        val_return: stored.val_loss ?? null,
      });
    }
    delete base.epoch;
    delete base.epochs;
    delete base.loss;
    delete base.val_loss;
  }
  const final = PHASE_OF_FINAL[status];
  if (final) {
    base.phase = final;
    base.eta_seconds = status === 'succeeded' ? 0 : null;
  }
  return base;
}
