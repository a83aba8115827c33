import type { JobEpochEvent, JobFinishedEvent } from '../training/training-events';
import { shouldPrune } from './median-rule';
import { asLoss, bestSoFar } from './objective';
import type { SweepPlan } from './sweep-plan';
import type { SweepTrial } from './sweep.entity';
import type { SweepsRepository } from './sweeps.repository';

// What a trial's job events write on the trial row, apart from the service that drives the sweep.

/** A trial's job ended: its status and objective as the job's whole curve gives them. */
export async function recordTrialEnd(repo: SweepsRepository, plan: SweepPlan, e: JobFinishedEvent): Promise<void> {
  const trial = await repo.trialByJob(e.job_id);
  if (trial) {
    const curve = e.history?.[plan.objective.metric] ?? trial.curve;
    const objective = bestSoFar(curve, plan.objective.direction);
    // From 'succeeded' too: settle() may have closed the trial from its job row first (the job
    // row is written before this event), with the curve of the epochs heard so far; this
    // event's history is the whole curve, and its objective is the one that counts.
    if (e.status === 'succeeded')
      await repo.moveTrial(trial.id, ['queued', 'running', 'cancelled', 'succeeded'], 'succeeded', {
        objective,
        curve,
        finished_at: new Date(),
      });
    else if (e.status === 'failed')
      await repo.moveTrial(trial.id, ['queued', 'running'], 'failed', {
        error: e.error ?? null,
        finished_at: new Date(),
      });
    else
      await repo.moveTrial(trial.id, ['queued', 'running'], 'cancelled', {
        objective,
        finished_at: new Date(),
      });
    // A pruned trial keeps its status; its curve so far is its objective.
    if (e.status === 'cancelled' && trial.status === 'pruned')
      await repo.updateTrial(trial.id, { objective, finished_at: new Date() });
  }
}

/**
 * A trial's epoch: its curve so far and objective recorded. Returns the trial when the median
 * rule says it is behind (to be pruned), else null.
 */
export async function recordEpoch(
  repo: SweepsRepository,
  sweepId: string,
  plan: SweepPlan,
  e: JobEpochEvent,
): Promise<SweepTrial | null> {
  const value = e.values[plan.objective.metric];
  const trial = await repo.trialByJob(e.job_id);
  if (!trial || typeof value !== 'number' || !Number.isFinite(value)) return null;
  // A retried job starts its curve again from epoch 0.
  const curve = [...trial.curve.slice(0, e.epoch), value];
  await repo.moveTrial(trial.id, ['queued', 'running'], 'running', {
    curve,
    objective: bestSoFar(curve, plan.objective.direction),
  });
  if (plan.early_stopping.rule !== 'median') return null;
  const others = (await repo.trials(sweepId))
    .filter((t) => t.id !== trial.id && (t.status === 'succeeded' || t.status === 'pruned'))
    .map((t) => t.curve.map((v) => asLoss(v, plan.objective.direction)));
  const mine = curve.map((v) => asLoss(v, plan.objective.direction));
  if (
    !shouldPrune(mine, others, e.epoch, {
      warmupSteps: plan.early_stopping.warmup_epochs,
      minTrials: plan.early_stopping.min_trials,
    })
  )
    return null;
  return trial;
}
