import { isoOrNull } from '../common/iso-time';
import type { SweepPlan } from './sweep-plan';
import type { Sweep, SweepTrial } from './sweep.entity';
import { ACTIVE_TRIAL } from './sweeps.repository';

/** A sweep as GET /sweeps lists it. */
export function sweepSummary(s: Sweep) {
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    strategy: s.strategy,
    parent_run_id: s.parent_run_id,
    best: s.best,
    created_at: isoOrNull(s.created_at),
    finished_at: isoOrNull(s.finished_at),
  };
}

/** A sweep as GET /sweeps/{id} answers it: its plan, its trials and the best so far. */
export function sweepView(sweep: Sweep, trials: SweepTrial[]) {
  const plan = sweep.request as unknown as SweepPlan;
  return {
    id: sweep.id,
    name: sweep.name,
    status: sweep.status,
    strategy: sweep.strategy,
    objective: plan.objective,
    planned_trials: plan.planned_trials,
    parallelism: plan.parallelism,
    seed: plan.seed,
    space: plan.space,
    early_stopping: plan.early_stopping,
    parent_run_id: sweep.parent_run_id,
    trials: trials.map((t) => ({
      index: t.index,
      params: t.params,
      status: t.status,
      job_id: t.job_id,
      run_id: t.run_id,
      objective: t.objective,
      epochs: t.curve.length,
      error: t.error,
      created_at: isoOrNull(t.created_at),
      finished_at: isoOrNull(t.finished_at),
    })),
    best: sweep.best,
    eta_seconds: eta(sweep, plan, trials),
    error: sweep.error,
    created_at: isoOrNull(sweep.created_at),
    finished_at: isoOrNull(sweep.finished_at),
  };
}

/** Seconds left: the mean trial time × the rounds of `parallelism` still to run, plus one for the winner's training. */
function eta(sweep: Sweep, plan: SweepPlan, trials: SweepTrial[]): number | null {
  if (['succeeded', 'failed', 'cancelled'].includes(sweep.status)) return 0;
  const done = trials.filter((t) => t.finished_at && ['succeeded', 'pruned'].includes(t.status));
  if (!done.length) return null;
  const mean = done.reduce((a, t) => a + (t.finished_at!.getTime() - t.created_at.getTime()), 0) / done.length / 1000;
  if (sweep.status === 'finalizing') return Math.round(mean);
  const left = plan.planned_trials - trials.filter((t) => !ACTIVE_TRIAL.includes(t.status)).length;
  return Math.round((Math.ceil(left / plan.parallelism) + 1) * mean);
}
