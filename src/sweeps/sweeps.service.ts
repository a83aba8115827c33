import { randomUUID } from 'node:crypto';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError, NotFoundError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { DEFAULT_EXPERIMENT, ExperimentsService } from '../experiments/experiments.service';
import { TrainingEvents, type JobEpochEvent, type JobFinishedEvent } from '../training/training-events';
import { TrainingService } from '../training/training.service';
import type { CreateSweepDto, SweepAcceptedDto } from './dto/sweep.dto';
import { bestSoFar, observations, pickBest } from './objective';
import { planSweep, validTrainRequest, type SweepPlan } from './sweep-plan';
import { sweepSummary, sweepView } from './sweep-view';
import { recordEpoch, recordTrialEnd } from './trial-record';
import { applyParams, type TrialParams } from './space';
import { STRATEGIES } from './strategies';
import { Sweep, SweepTrial, type TrialStatus } from './sweep.entity';
import { ACTIVE_TRIAL, SweepsRepository } from './sweeps.repository';

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
    const plan = await planSweep(dto);
    // The first trial checked in full (data range and amount, memory) before anything is stored.
    const firstParams = STRATEGIES[plan.strategy].propose({
      space: plan.space,
      seed: plan.seed,
      index: 0,
      observations: [],
      maxTrials: plan.planned_trials,
    });
    await this.training.submit(await validTrainRequest(applyParams(plan.base, firstParams), 'base'), { dryRun: true });
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
      sweeps: rows.map(sweepSummary),
      total,
      limit,
      offset,
    };
  }

  async get(id: string) {
    const sweep = await this.find(id);
    return sweepView(sweep, await this.repo.trials(id));
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
      const req = await validTrainRequest(applyParams(plan.base, params), 'base');
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
      const req = await validTrainRequest(applyParams(plan.base, best.params as TrialParams), 'base');
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
    if (e.sweep!.trial !== undefined) await recordTrialEnd(this.repo, plan, e);
    await this.advance(sweep.id);
  }

  /** A trial's epoch: record its curve, and stop it when the median rule says it is behind. */
  private async onEpoch(e: JobEpochEvent): Promise<void> {
    const sweep = await this.repo.find(e.sweep!.sweep_id);
    if (!sweep || sweep.status !== 'running') return;
    const plan = sweep.request as unknown as SweepPlan;
    const trial = await recordEpoch(this.repo, sweep.id, plan, e);
    if (!trial) return;
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
}
