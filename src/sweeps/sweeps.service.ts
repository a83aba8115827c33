import { randomUUID } from 'node:crypto';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError, DataValidationError, NotFoundError } from '../common/errors/app-error';
import { createValidationPipe } from '../common/http/validation';
import { isoOrNull } from '../common/iso-time';
import { AppConfig } from '../config/app-config';
import { DEFAULT_EXPERIMENT, ExperimentsService } from '../experiments/experiments.service';
import { TrainRequestDto } from '../training/dto/train-request.dto';
import { TrainingEvents, type JobEpochEvent, type JobFinishedEvent } from '../training/training-events';
import { TrainingService } from '../training/training.service';
import type { CreateSweepDto, SweepAcceptedDto } from './dto/sweep.dto';
import { shouldPrune } from './median-rule';
import { asLoss, bestSoFar, checkObjective, type Direction } from './objective';
import { applyParams, parseSpace, probeValues, type SearchSpace, type TrialParams } from './space';
import { STRATEGIES, type Observation } from './strategies';
import { Sweep, SweepTrial, type TrialStatus } from './sweep.entity';
import { ACTIVE_TRIAL, SweepsRepository } from './sweeps.repository';

/** The validated sweep request as stored (sweeps.request). */
export interface SweepPlan {
  base: Record<string, unknown>;
  space: SearchSpace;
  strategy: string;
  planned_trials: number;
  parallelism: number;
  max_duration_seconds: number | null;
  objective: { metric: string; direction: Direction };
  seed: number;
  early_stopping: { rule: 'median' | 'none'; warmup_epochs: number; min_trials: number };
}

const DEFAULT_SAMPLER_TRIALS = 10;
/** A trial claimed but never queued (its process died in between) is given up after this long. */
const PROPOSAL_TIMEOUT_MS = 60_000;

/**
 * Hyperparameter sweeps. Each trial is an ordinary training job on the shared queue (so any
 * worker replica takes it) marked as a sweep trial: it trains and reports its validation
 * curve, but is neither scored on the test part nor registered. The sweep keeps at most
 * `parallelism` trials queued or running; whichever process sees a trial finish proposes the
 * next (replicas agree through the unique (sweep, index) claim). When the budget is spent,
 * the best trial's parameters are trained once more as an ordinary job: the only one scored
 * on the test part, registered as a version whose data_config names the sweep.
 */
@Injectable()
export class SweepsService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Sweeps');
  private readonly pipe = createValidationPipe();
  /** Per sweep, the work this process does for it, one step after another. */
  private readonly chains = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly repo: SweepsRepository,
    private readonly training: TrainingService,
    private readonly experiments: ExperimentsService,
    private readonly events: TrainingEvents,
  ) {}

  onModuleInit(): void {
    this.events.onEpoch((e) => e.sweep?.trial !== undefined && this.enqueue(e.sweep.sweep_id, () => this.onEpoch(e)));
    this.events.onFinished((e) => e.sweep && this.enqueue(e.sweep.sweep_id, () => this.onFinished(e)));
  }

  /** A worker picks up sweeps left mid-way by a stopped process (trials that finished meanwhile, trials to propose). */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorker) return;
    for (const sweep of await this.repo.withStatus(['running', 'finalizing']))
      this.enqueue(sweep.id, () => this.advance(sweep.id));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.race([
      Promise.allSettled([...this.chains.values()]),
      new Promise((r) => setTimeout(r, 10_000).unref()),
    ]);
    this.stopping = true;
  }

  // ------------------------------------------------------------------ HTTP

  async create(dto: CreateSweepDto): Promise<SweepAcceptedDto> {
    const plan = await this.plan(dto);
    // The first trial checked in full (data range and amount, memory) before anything is stored.
    const firstParams = STRATEGIES[plan.strategy].propose({
      space: plan.space,
      seed: plan.seed,
      index: 0,
      observations: [],
      maxTrials: plan.planned_trials,
    });
    await this.training.submit(await this.trainRequest(applyParams(plan.base, firstParams), 'base'), { dryRun: true });
    const id = randomUUID();
    const parentRunId = await this.dataSource.transaction(async (manager) => {
      const run = await this.experiments.createRun(
        {
          experimentName: (plan.base.experiment as string | undefined) ?? DEFAULT_EXPERIMENT,
          name: `sweep ${dto.name}`.slice(0, 200),
          params: {
            strategy: plan.strategy,
            planned_trials: plan.planned_trials,
            parallelism: plan.parallelism,
            objective: `${plan.objective.direction} ${plan.objective.metric}`,
            seed: plan.seed,
            space: plan.space,
          },
          tags: { sweep_id: id, sweep_role: 'parent' },
          status: 'RUNNING',
        },
        manager,
      );
      await this.repo.insert(manager, {
        id,
        name: dto.name,
        status: 'running',
        strategy: plan.strategy,
        request: plan as unknown as Record<string, unknown>,
        parent_run_id: run.id,
      });
      return run.id;
    });
    // The first trials are queued before answering: if none can be (the base request asks
    // for data that is not there…), the sweep is removed and its 422 is this answer.
    const firstError = await this.serial(id, () => this.advance(id, true));
    if (firstError) {
      await this.repo.remove(id);
      await this.experiments.finishRun(parentRunId, 'FAILED', { tags: { error: firstError.message.slice(0, 250) } });
      await this.experiments.setRunDeleted(parentRunId, true).catch(() => undefined);
      throw firstError;
    }
    return { id, status: 'running', parent_run_id: parentRunId, planned_trials: plan.planned_trials };
  }

  async list(q: { limit?: number; offset?: number }) {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const [rows, total] = await this.repo.list(limit, offset);
    return {
      sweeps: rows.map((s) => ({
        id: s.id,
        name: s.name,
        status: s.status,
        strategy: s.strategy,
        parent_run_id: s.parent_run_id,
        best: s.best,
        created_at: isoOrNull(s.created_at),
        finished_at: isoOrNull(s.finished_at),
      })),
      total,
      limit,
      offset,
    };
  }

  async get(id: string) {
    const sweep = await this.find(id);
    return this.view(sweep, await this.repo.trials(id));
  }

  /** Stop the sweep: queued trials are cancelled at once, running ones at their next batch; the winner's training too. */
  async cancel(id: string) {
    const sweep = await this.find(id);
    if (!(await this.repo.moveSweep(id, ['running', 'finalizing'], 'cancelled', { error: 'cancelled by request' }))) {
      const now = await this.find(id);
      throw new AppError(409, 'ConflictError', 'SWEEP_FINISHED', `Sweep ${id} is already ${now.status}`, {
        sweep_id: id,
        status: now.status,
      });
    }
    for (const trial of await this.repo.trials(id)) {
      if (!ACTIVE_TRIAL.includes(trial.status)) continue;
      await this.repo.moveTrial(trial.id, ACTIVE_TRIAL, 'cancelled', { finished_at: new Date() });
      if (trial.job_id) await this.cancelJob(trial.job_id);
    }
    if (sweep.final_job_id) await this.cancelJob(sweep.final_job_id);
    if (sweep.parent_run_id) await this.experiments.finishRun(sweep.parent_run_id, 'KILLED');
    return this.get(id);
  }

  private async find(id: string): Promise<Sweep> {
    const sweep = await this.repo.find(id);
    if (!sweep) throw new NotFoundError(`Sweep ${id} does not exist`, { sweep_id: id }, 'SWEEP_NOT_FOUND');
    return sweep;
  }

  // ------------------------------------------------------------------ planning

  /** Everything checkable before a trial runs: space, strategy, objective, budget, and the base request with each extreme written in. */
  private async plan(dto: CreateSweepDto): Promise<SweepPlan> {
    const space = parseSpace(dto.space);
    const strategy = STRATEGIES[dto.strategy];
    const capacity = strategy.capacity(space);
    if (capacity === 0) {
      const why = strategy.unsupported?.(space) ?? 'this strategy cannot search the space';
      throw new DataValidationError(
        `space: ${why}`,
        { fields: [{ field: 'space', errors: [why] }] },
        'INFINITE_SEARCH_SPACE',
      );
    }
    const base = await this.trainRequest(dto.base, 'base');
    if (base.model_type === 'feature_engineering') {
      throw new DataValidationError(
        'base.model_type: feature_engineering models are not trained by epochs and have no validation curve to optimise',
        { fields: [{ field: 'base.model_type', errors: ['not a model type a sweep can optimise'] }] },
      );
    }
    const objective = checkObjective(dto.objective.metric, dto.objective.direction, base.model_type);
    for (const [key, dim] of Object.entries(space)) {
      for (const value of probeValues(dim)) {
        try {
          await this.trainRequest(applyParams(dto.base, { [key]: value }), 'base');
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          const fields = (
            (e.details as { fields?: Array<{ field: string; errors: string[] }> } | null)?.fields ?? []
          ).map((f) => ({
            field: `space.${key}`,
            errors: f.errors.map((m) => `${JSON.stringify(value)} gives an invalid ${f.field}: ${m}`),
          }));
          throw new DataValidationError(
            `space.${key}: the value ${JSON.stringify(value)} makes an invalid train request (${e.message})`,
            { fields },
            'INVALID_SEARCH_SPACE',
          );
        }
      }
    }
    const budget = dto.max_trials ?? (Number.isFinite(capacity) ? capacity : DEFAULT_SAMPLER_TRIALS);
    return {
      base: dto.base,
      space,
      strategy: strategy.name,
      planned_trials: Math.min(budget, capacity),
      parallelism: dto.parallelism ?? 2,
      max_duration_seconds: dto.max_duration_seconds ?? null,
      objective,
      seed: dto.seed ?? 0,
      early_stopping: {
        rule: dto.early_stopping?.rule ?? 'median',
        warmup_epochs: dto.early_stopping?.warmup_epochs ?? 1,
        min_trials: dto.early_stopping?.min_trials ?? 3,
      },
    };
  }

  /** A train request checked by the same rules as POST /models/train; failing fields named under `prefix`. */
  private async trainRequest(raw: unknown, prefix: string): Promise<TrainRequestDto> {
    try {
      return (await this.pipe.transform(raw, { type: 'body', metatype: TrainRequestDto })) as TrainRequestDto;
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      const fields = ((e.details as { fields?: Array<{ field: string; errors: string[] }> } | null)?.fields ?? []).map(
        (f) => ({ ...f, field: `${prefix}.${f.field}` }),
      );
      throw new DataValidationError(
        `${prefix}: ${e.message}${fields.length ? ` (${fields.map((f) => f.field).join(', ')})` : ''}`,
        { fields },
      );
    }
  }

  // ------------------------------------------------------------------ driving a sweep

  /** Run `fn` after the sweep's earlier steps in this process; errors are logged, not thrown. */
  private enqueue(sweepId: string, fn: () => Promise<unknown>): void {
    if (this.stopping) return;
    void this.serial(sweepId, fn);
  }

  private serial(sweepId: string, fn: () => Promise<unknown>): Promise<AppError | undefined> {
    let result: AppError | undefined;
    const prev = this.chains.get(sweepId) ?? Promise.resolve();
    const next = prev.then(async () => {
      try {
        const r = await fn();
        if (r instanceof AppError) result = r;
      } catch (e) {
        this.logger.error(
          { sweep_id: sweepId, err: { message: (e as Error).message, stack: (e as Error).stack } },
          'sweep step failed',
        );
      }
    });
    this.chains.set(sweepId, next);
    return next.then(() => {
      if (this.chains.get(sweepId) === next) this.chains.delete(sweepId);
      return result;
    });
  }

  /**
   * Bring the sweep forward: settle trials whose jobs ended (missed events, another process),
   * queue new trials up to parallelism and the budget, and when none is left, train the winner.
   * With `first`, returns the error when no trial of the first round could be queued.
   */
  private async advance(sweepId: string, first = false): Promise<AppError | undefined> {
    let queuedAny = false;
    for (;;) {
      const sweep = await this.repo.find(sweepId);
      if (!sweep || !['running', 'finalizing'].includes(sweep.status)) return undefined;
      const plan = sweep.request as unknown as SweepPlan;
      const trials = await this.settle(plan, await this.repo.trials(sweepId));
      if (sweep.status === 'finalizing') return this.settleFinal(sweep);
      const active = trials.filter((t) => ACTIVE_TRIAL.includes(t.status)).length;
      const timeUp =
        plan.max_duration_seconds !== null &&
        Date.now() - sweep.created_at.getTime() > plan.max_duration_seconds * 1000;
      if (trials.length < plan.planned_trials && !timeUp && active < plan.parallelism) {
        const index = trials.length;
        const params = STRATEGIES[plan.strategy].propose({
          space: plan.space,
          seed: plan.seed,
          index,
          observations: observations(trials, plan),
          maxTrials: plan.planned_trials,
        });
        const trialId = await this.repo.claimTrial(sweepId, index, params);
        if (!trialId) continue; // another process proposed this index: look again
        const error = await this.queueTrial(sweep, plan, trialId, index, params);
        // The very first trial cannot be queued: the base request is at fault; the POST says so.
        if (error && first && !queuedAny) return error;
        if (!error) queuedAny = true;
        continue;
      }
      if (active === 0) await this.finalize(sweep, plan, trials);
      return undefined;
    }
  }

  private async queueTrial(
    sweep: Sweep,
    plan: SweepPlan,
    trialId: string,
    index: number,
    params: TrialParams,
  ): Promise<AppError | undefined> {
    try {
      const req = await this.trainRequest(applyParams(plan.base, params), 'base');
      const accepted = await this.training.submit(req, {
        sweep: { sweep_id: sweep.id, parent_run_id: sweep.parent_run_id!, trial: index },
      });
      const job = await this.training.get(accepted.job_id);
      await this.repo.moveTrial(trialId, ['proposed'], 'queued', { job_id: accepted.job_id, run_id: job.run_id });
      // Cancelled while it was being queued: cancel the job too.
      if ((await this.repo.find(sweep.id))?.status === 'cancelled') await this.cancelJob(accepted.job_id);
      return undefined;
    } catch (e) {
      const message = (e as Error).message;
      await this.repo.moveTrial(trialId, ['proposed'], 'failed', { error: message, finished_at: new Date() });
      this.logger.warn({ sweep_id: sweep.id, trial: index, err: { message } }, 'a sweep trial could not be queued');
      return e instanceof AppError ? e : undefined;
    }
  }

  /** Trials whose jobs ended without this process hearing of it take their job's outcome. */
  private async settle(plan: SweepPlan, trials: SweepTrial[]): Promise<SweepTrial[]> {
    for (const t of trials) {
      if (t.status === 'proposed' && !t.job_id && Date.now() - t.created_at.getTime() > PROPOSAL_TIMEOUT_MS) {
        await this.repo.moveTrial(t.id, ['proposed'], 'failed', {
          error: 'the process proposing this trial stopped before queueing it',
          finished_at: new Date(),
        });
        t.status = 'failed';
      }
      if (!['queued', 'running'].includes(t.status) || !t.job_id) continue;
      const job = await this.training.get(t.job_id).catch(() => null);
      if (!job || !['succeeded', 'failed', 'cancelled'].includes(job.status)) continue;
      const run = job.run_id ? await this.experiments.findRun(job.run_id).catch(() => null) : null;
      const value = run?.metrics?.[plan.objective.metric];
      const objective = typeof value === 'number' ? value : bestSoFar(t.curve, plan.objective.direction);
      const status: TrialStatus =
        job.status === 'succeeded' ? 'succeeded' : job.status === 'failed' ? 'failed' : 'cancelled';
      await this.repo.moveTrial(t.id, ['queued', 'running'], status, {
        objective,
        error: job.error ?? null,
        finished_at: new Date(),
      });
      Object.assign(t, { status, objective });
    }
    return trials;
  }

  /** Budget spent: train the best trial's parameters as an ordinary (scored, registered) job. */
  private async finalize(sweep: Sweep, plan: SweepPlan, trials: SweepTrial[]): Promise<void> {
    const best = pickBest(trials, plan.objective.direction);
    if (!best) {
      if (await this.repo.moveSweep(sweep.id, ['running'], 'failed', { error: 'no trial succeeded' }))
        await this.experiments.finishRun(sweep.parent_run_id!, 'FAILED', { tags: { error: 'no trial succeeded' } });
      return;
    }
    if (!(await this.repo.moveSweep(sweep.id, ['running'], 'finalizing'))) return;
    try {
      const req = await this.trainRequest(applyParams(plan.base, best.params as TrialParams), 'base');
      const accepted = await this.training.submit(req, {
        sweep: { sweep_id: sweep.id, parent_run_id: sweep.parent_run_id! },
      });
      const job = await this.training.get(accepted.job_id);
      await this.repo.updateSweep(sweep.id, {
        final_job_id: accepted.job_id,
        best: {
          trial: best.index,
          params: best.params,
          objective: best.objective,
          trial_run_id: best.run_id,
          job_id: accepted.job_id,
          run_id: job.run_id,
          model_id: accepted.model_id,
          version: accepted.version,
          status: 'training',
        },
      });
      await this.experiments
        .setTags(sweep.parent_run_id!, { best_trial: String(best.index), best_trial_run_id: best.run_id ?? '' })
        .catch(() => undefined);
    } catch (e) {
      const message = `training the best trial failed: ${(e as Error).message}`;
      await this.repo.moveSweep(sweep.id, ['finalizing'], 'failed', { error: message });
      await this.experiments.finishRun(sweep.parent_run_id!, 'FAILED', { tags: { error: message.slice(0, 250) } });
    }
  }

  /** The winner's job ended: the sweep ends with it. */
  private async settleFinal(sweep: Sweep): Promise<undefined> {
    if (!sweep.final_job_id) return undefined;
    const job = await this.training.get(sweep.final_job_id).catch(() => null);
    if (!job || !['succeeded', 'failed', 'cancelled'].includes(job.status)) return undefined;
    const best: Record<string, unknown> = {
      ...(sweep.best ?? {}),
      status: job.status === 'succeeded' ? 'registered' : job.status,
    };
    const plan = sweep.request as unknown as SweepPlan;
    if (job.status === 'succeeded') {
      if (await this.repo.moveSweep(sweep.id, ['finalizing'], 'succeeded', { best })) {
        const objective = best.objective;
        await this.experiments.finishRun(sweep.parent_run_id!, 'FINISHED', {
          metrics: typeof objective === 'number' ? { [`best_${plan.objective.metric}`]: objective } : {},
          tags: { best_model_id: String(best.model_id), best_model_version: String(best.version) },
        });
        this.logger.log({ sweep_id: sweep.id, model_id: best.model_id, version: best.version }, 'sweep succeeded');
      }
    } else {
      const status = job.status === 'cancelled' ? 'cancelled' : 'failed';
      if (
        await this.repo.moveSweep(sweep.id, ['finalizing'], status, {
          best,
          error: `training the best trial ended ${job.status}${job.error ? `: ${job.error}` : ''}`,
        })
      ) {
        await this.experiments.finishRun(sweep.parent_run_id!, status === 'cancelled' ? 'KILLED' : 'FAILED');
      }
    }
    return undefined;
  }

  private async onFinished(e: JobFinishedEvent): Promise<void> {
    const sweep = await this.repo.find(e.sweep!.sweep_id);
    if (!sweep) return;
    const plan = sweep.request as unknown as SweepPlan;
    if (e.sweep!.trial !== undefined) {
      const trial = await this.repo.trialByJob(e.job_id);
      if (trial) {
        const curve = e.history?.[plan.objective.metric] ?? trial.curve;
        const objective = bestSoFar(curve, plan.objective.direction);
        // From 'succeeded' too: settle() may have closed the trial from its job row first (the job
        // row is written before this event), with the curve of the epochs heard so far; this
        // event's history is the whole curve, and its objective is the one that counts.
        if (e.status === 'succeeded')
          await this.repo.moveTrial(trial.id, ['queued', 'running', 'cancelled', 'succeeded'], 'succeeded', {
            objective,
            curve,
            finished_at: new Date(),
          });
        else if (e.status === 'failed')
          await this.repo.moveTrial(trial.id, ['queued', 'running'], 'failed', {
            error: e.error ?? null,
            finished_at: new Date(),
          });
        else
          await this.repo.moveTrial(trial.id, ['queued', 'running'], 'cancelled', {
            objective,
            finished_at: new Date(),
          });
        // A pruned trial keeps its status; its curve so far is its objective.
        if (e.status === 'cancelled' && trial.status === 'pruned')
          await this.repo.updateTrial(trial.id, { objective, finished_at: new Date() });
      }
    }
    await this.advance(sweep.id);
  }

  /** A trial's epoch: record its curve, and stop it when the median rule says it is behind. */
  private async onEpoch(e: JobEpochEvent): Promise<void> {
    const sweep = await this.repo.find(e.sweep!.sweep_id);
    if (!sweep || sweep.status !== 'running') return;
    const plan = sweep.request as unknown as SweepPlan;
    const value = e.values[plan.objective.metric];
    const trial = await this.repo.trialByJob(e.job_id);
    if (!trial || typeof value !== 'number' || !Number.isFinite(value)) return;
    // A retried job starts its curve again from epoch 0.
    const curve = [...trial.curve.slice(0, e.epoch), value];
    await this.repo.moveTrial(trial.id, ['queued', 'running'], 'running', {
      curve,
      objective: bestSoFar(curve, plan.objective.direction),
    });
    if (plan.early_stopping.rule !== 'median') return;
    const others = (await this.repo.trials(sweep.id))
      .filter((t) => t.id !== trial.id && (t.status === 'succeeded' || t.status === 'pruned'))
      .map((t) => t.curve.map((v) => asLoss(v, plan.objective.direction)));
    const mine = curve.map((v) => asLoss(v, plan.objective.direction));
    if (
      !shouldPrune(mine, others, e.epoch, {
        warmupSteps: plan.early_stopping.warmup_epochs,
        minTrials: plan.early_stopping.min_trials,
      })
    )
      return;
    if (
      await this.repo.moveTrial(trial.id, ['running'], 'pruned', {
        error: `stopped by the median rule at epoch ${e.epoch + 1}`,
      })
    ) {
      this.logger.log(
        { sweep_id: sweep.id, trial: trial.index, epoch: e.epoch + 1 },
        'sweep trial pruned (median rule)',
      );
      await this.cancelJob(trial.job_id!);
    }
  }

  private async cancelJob(jobId: string): Promise<void> {
    await this.training.cancel(jobId).catch(() => undefined); // already finished: nothing to stop
  }

  // ------------------------------------------------------------------ views

  private view(sweep: Sweep, trials: SweepTrial[]) {
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
}

function observations(trials: SweepTrial[], plan: SweepPlan): Observation[] {
  return trials
    .filter((t) => (t.status === 'succeeded' || t.status === 'pruned') && t.objective !== null)
    .map((t) => ({
      index: t.index,
      params: t.params as TrialParams,
      loss: asLoss(t.objective!, plan.objective.direction),
    }));
}

/** The best succeeded trial (ties: the earlier one). Pruned trials never win: they did not finish. */
export function pickBest(trials: SweepTrial[], direction: Direction): SweepTrial | undefined {
  const done = trials.filter((t) => t.status === 'succeeded' && t.objective !== null && Number.isFinite(t.objective));
  done.sort((a, b) => asLoss(a.objective!, direction) - asLoss(b.objective!, direction) || a.index - b.index);
  return done[0];
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
