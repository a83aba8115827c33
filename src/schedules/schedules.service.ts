import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { AppError, ConflictError, DataValidationError, NotFoundError } from '../common/errors/app-error';
import { validateNested } from '../common/http/validate-nested';
import { AppConfig } from '../config/app-config';
import { FeaturesService } from '../features/features.service';
import { ExperimentsService } from '../experiments/experiments.service';
import { MarketDataService } from '../market-data/market-data.service';
import { ModelsService } from '../models/models.service';
import { TrainRequestDto } from '../training/dto/train-request.dto';
import { TrainingEvents } from '../training/training-events';
import { TrainingService } from '../training/training.service';
import { baseRequest, defaultsVersion } from './base-request';
import type {
  CreateScheduleDto,
  ScheduleDto,
  ScheduleListDto,
  ScheduleRunAcceptedDto,
  UpdateScheduleDto,
} from './dto/schedule.dto';
import { compareOn, Promotion } from './promotion';
import { Schedule } from './schedule.entity';
import { ScheduleQueue } from './schedule-queue';
import { checkCron, checkWindow, resolveWindow } from './schedule-rules';
import { SchedulesRepository } from './schedules.repository';
import { FINAL_JOB, scheduleDto } from './schedule-view';
import { ShadowDeploy } from './shadow';

const RUNS_SHOWN = 10;

/**
 * Scheduled retraining. A schedule's cron expression is registered with pg-boss (keyed by the
 * schedule id); each occurrence arrives as a job on SCHEDULE_QUEUE and starts a run: the
 * schedule's base train request over its window (ending at the latest stored bar), queued as an
 * ordinary training job. When the job ends the run records its outcome (and, with
 * deploy_if_better, replaces the active deployment where the new version is better; with
 * shadow, deploys it as the shadow challenger of each active deployment).
 */
@Injectable()
export class SchedulesService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('Schedules');

  constructor(
    private readonly config: AppConfig,
    private readonly repo: SchedulesRepository,
    private readonly queue: ScheduleQueue,
    private readonly models: ModelsService,
    private readonly features: FeaturesService,
    private readonly training: TrainingService,
    private readonly experiments: ExperimentsService,
    private readonly marketData: MarketDataService,
    private readonly events: TrainingEvents,
    private readonly promotion: Promotion,
    private readonly shadow: ShadowDeploy,
  ) {}

  onModuleInit(): void {
    // Only the process that ran the job hears this; the others settle at their next fire or start.
    this.events.onFinished(
      (e) =>
        void this.settleJob(e.job_id).catch((err: Error) =>
          this.logger.error({ job_id: e.job_id, err: { message: err.message } }, 'settling a schedule run failed'),
        ),
    );
  }

  /**
   * Every start: the queue exists, and pg-boss's rows match the schedules table (re-registered
   * from it; rows of deleted schedules removed). pg-boss's rows are read before ours: a schedule
   * created meanwhile on another replica is inserted here before it is registered there, so no
   * live schedule is mistaken for an orphan. Processes that train also take fired occurrences
   * and settle runs whose jobs ended while no process listened.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.queue.ensureQueue();
    const registered = await this.queue.registered();
    const live = await this.repo.unpaused();
    for (const s of live) await this.queue.register(s.id, s.cron, s.timezone);
    const liveIds = new Set(live.map((s) => s.id));
    for (const r of registered)
      if (!liveIds.has(r.key) && !(await this.repo.find(r.key).then((s) => s && !s.paused)))
        await this.queue.unregister(r.key);
    if (!this.config.runsWorker) return;
    await this.settleActive().catch((e: Error) => this.logger.warn(`settling schedule runs at start: ${e.message}`));
    await this.queue.work((job) => this.onFired(job.data.schedule_id, job.id));
  }

  // ------------------------------------------------------------------ HTTP

  async create(modelId: string, dto: CreateScheduleDto): Promise<ScheduleDto> {
    const model = await this.models.getModel(modelId);
    if (model.archived_at)
      throw new DataValidationError(
        `Model ${modelId} is archived: it cannot be scheduled for retraining`,
        { model_id: modelId },
        'MODEL_ARCHIVED',
      );
    const onSuccess = dto.on_success ?? 'register';
    if (onSuccess === 'deploy_if_better' && !compareOn(model.type)) {
      throw new DataValidationError(
        `on_success: deploy_if_better compares a validation metric, which ${model.type} models do not have`,
        { fields: [{ field: 'on_success', errors: [`not available for ${model.type}`] }] },
        'NO_VALIDATION_METRIC',
      );
    }
    const timezone = dto.timezone ?? 'UTC';
    checkCron(dto.cron, timezone, (c, tz) => this.queue.preview(c, tz));
    const window = checkWindow(dto.window);
    const latest = defaultsVersion(await this.models.versions(modelId));
    const base = baseRequest(
      model,
      latest,
      dto.base,
      await this.experiments.experimentNameOfRun(latest?.run_id ?? null),
    );
    // The first run checked in full now (fields, features, data in the window, memory), so a
    // schedule that could never train is a 422 today rather than a failed run at 06:00.
    const { request } = await this.resolve(base, window);
    await this.training.submit(request, { dryRun: true });
    const schedule = await this.repo.insert({
      model_id: modelId,
      cron: dto.cron.trim(),
      timezone,
      window,
      base,
      on_success: onSuccess,
      paused: dto.paused ?? false,
    });
    if (!schedule.paused) {
      try {
        await this.queue.register(schedule.id, schedule.cron, schedule.timezone);
      } catch (e) {
        await this.repo.remove(schedule.id);
        throw e;
      }
    }
    return this.view(schedule);
  }

  async list(modelId: string): Promise<ScheduleListDto> {
    await this.models.getModel(modelId);
    const rows = await this.repo.forModel(modelId);
    return { schedules: await Promise.all(rows.map((s) => this.view(s))), total: rows.length };
  }

  async get(id: string): Promise<ScheduleDto> {
    return this.view(await this.find(id));
  }

  /** Pause (removed from pg-boss's schedules) or resume (registered again). */
  async update(id: string, dto: UpdateScheduleDto): Promise<ScheduleDto> {
    await this.find(id);
    await this.repo.setPaused(id, dto.paused);
    const now = await this.find(id);
    if (now.paused) await this.queue.unregister(id);
    else await this.queue.register(id, now.cron, now.timezone);
    return this.view(now);
  }

  /** The schedule and its run history; a training job one of its runs queued finishes as an ordinary version. */
  async remove(id: string): Promise<void> {
    await this.find(id);
    await this.repo.remove(id);
    await this.queue.unregister(id);
  }

  /** Run now: 202 with the training job, 409 while the previous run is still queued or running. */
  async runNow(id: string): Promise<ScheduleRunAcceptedDto> {
    const schedule = await this.find(id);
    const model = await this.models.getModel(schedule.model_id);
    if (model.archived_at)
      throw new ConflictError(
        `Model ${schedule.model_id} is archived: its schedule does not run`,
        { model_id: schedule.model_id, schedule_id: id },
        'MODEL_ARCHIVED',
      );
    await this.settleActive(id);
    const runId = await this.repo.claimRun(id, 'manual', null);
    if (!runId) {
      const [active] = await this.repo.activeRuns(id);
      throw new ConflictError(
        `Schedule ${id} has a run in progress (job ${active?.job_id ?? 'being queued'}): wait for it to finish, or cancel that job`,
        { schedule_id: id, run_id: active?.id ?? null, job_id: active?.job_id ?? null },
        'SCHEDULE_RUN_IN_PROGRESS',
      );
    }
    try {
      return await this.start(schedule, runId);
    } catch (e) {
      // The answer says why; a run that never queued a job leaves no record.
      await this.repo.deleteRun(runId);
      throw e;
    }
  }

  private async find(id: string): Promise<Schedule> {
    const s = await this.repo.find(id);
    if (!s) throw new NotFoundError(`Schedule ${id} does not exist`, { schedule_id: id }, 'SCHEDULE_NOT_FOUND');
    return s;
  }

  // ------------------------------------------------------------------ runs

  /** A cron occurrence delivered by pg-boss (`triggerId`: its job id, the same on a redelivery). */
  private async onFired(scheduleId: string, triggerId: string): Promise<void> {
    const schedule = await this.repo.find(scheduleId);
    if (!schedule || (await this.repo.triggerSeen(triggerId))) return; // deleted since, or handled before
    if (schedule.paused)
      return this.repo.recordSkipped(
        scheduleId,
        'cron',
        triggerId,
        'the schedule is paused (the occurrence was queued before the pause)',
      );
    const model = await this.models.getModel(schedule.model_id).catch(() => null);
    if (!model || model.archived_at)
      return this.repo.recordSkipped(scheduleId, 'cron', triggerId, `model ${schedule.model_id} is archived`);
    await this.settleActive(scheduleId);
    const runId = await this.repo.claimRun(scheduleId, 'cron', triggerId);
    if (!runId) {
      if (await this.repo.triggerSeen(triggerId)) return;
      const [active] = await this.repo.activeRuns(scheduleId);
      return this.repo.recordSkipped(
        scheduleId,
        'cron',
        triggerId,
        `overlap: the previous run (${active?.trigger ?? 'unknown'}, job ${active?.job_id ?? 'being queued'}) is still ${active?.status === 'starting' ? 'being queued' : 'queued or running'}`,
      );
    }
    try {
      await this.start(schedule, runId);
    } catch (e) {
      const message = (e as Error).message;
      if (!(e instanceof AppError))
        this.logger.error(
          { schedule_id: scheduleId, err: { message, stack: (e as Error).stack } },
          'a scheduled run could not start',
        );
      await this.repo.moveRun(runId, ['starting'], 'failed', {
        outcome: 'failed',
        reason: `could not start: ${message}`,
      });
    }
  }

  /** Resolve the window, queue the training job, record it on the claimed run. */
  private async start(schedule: Schedule, runId: string): Promise<ScheduleRunAcceptedDto> {
    const { request, start, end } = await this.resolve(schedule.base, schedule.window);
    const accepted = await this.training.submit(request, { schedule: { schedule_id: schedule.id, run_id: runId } });
    await this.repo.moveRun(runId, ['starting'], 'queued', {
      job_id: accepted.job_id,
      version: accepted.version,
      window_start: start,
      window_end: end,
    });
    this.logger.log(
      { schedule_id: schedule.id, run_id: runId, job_id: accepted.job_id, version: accepted.version },
      'scheduled retraining queued',
    );
    return {
      schedule_id: schedule.id,
      run_id: runId,
      job_id: accepted.job_id,
      model_id: accepted.model_id,
      version: accepted.version,
      window: { start_date: start.toISOString(), end_date: end.toISOString() },
    };
  }

  /** The base request with the window's dates, checked like POST /models/train (fields named under base.). */
  private async resolve(
    base: Record<string, unknown>,
    window: Schedule['window'],
  ): Promise<{ request: TrainRequestDto; start: Date; end: Date }> {
    const symbols = Array.isArray(base.symbols) ? base.symbols.filter((s): s is string => typeof s === 'string') : [];
    const timeframe = typeof base.timeframe === 'string' ? base.timeframe : '1h';
    const canonical = symbols.map((s) => {
      try {
        return this.features.canonicalSymbol(s);
      } catch {
        return s;
      }
    });
    const latest = canonical.length ? await this.marketData.latestBar(canonical, timeframe) : null;
    if (!latest) {
      throw new DataValidationError(
        `window: no stored ${timeframe} bars of ${symbols.join(', ') || '(no symbols)'} for the window to end at`,
        { fields: [{ field: 'window', errors: ["no stored bars for the model's symbols and timeframe"] }] },
        'INSUFFICIENT_DATA',
      );
    }
    const { start, end } = resolveWindow(window, latest);
    const raw = { ...base, start_date: start.toISOString(), end_date: end.toISOString() };
    return { request: await validateNested(TrainRequestDto, raw, 'base'), start, end };
  }

  /** Runs of a schedule (of all, without one) whose job ended, or whose process stopped mid-step, reach their final state. */
  private async settleActive(scheduleId?: string): Promise<void> {
    for (const run of await this.repo.activeRuns(scheduleId)) {
      if (run.status === 'starting') {
        if (!this.repo.isStale(run)) continue;
        const job = await this.training.jobOfScheduleRun(run.id);
        if (job) await this.repo.moveRun(run.id, ['starting'], 'queued', { job_id: job.id, version: job.version });
        else
          await this.repo.moveRun(run.id, ['starting'], 'failed', {
            outcome: 'failed',
            reason: 'the process starting this run stopped before queueing its training job',
          });
        if (!job) continue;
      }
      await this.settleJob(run.job_id ?? (await this.training.jobOfScheduleRun(run.id))?.id ?? '');
    }
  }

  /** The run of a job that ended: its outcome; with deploy_if_better, the comparison and any deployment; with shadow, the challengers set. */
  private async settleJob(jobId: string, unsuccessfulOnly = false): Promise<void> {
    if (!jobId) return;
    const run = await this.repo.runByJob(jobId);
    if (!run || !['queued', 'settling'].includes(run.status)) return;
    const job = await this.training.jobStatus(jobId);
    if (!job || !FINAL_JOB.includes(job.status) || (unsuccessfulOnly && job.status === 'succeeded')) return;
    if (!(await this.repo.moveRun(run.id, ['queued'], 'settling', {}, true))) return; // another process settles it
    const schedule = await this.repo.find(run.schedule_id);
    if (job.status !== 'succeeded') {
      await this.repo.moveRun(run.id, ['settling'], job.status as 'failed', {
        outcome: job.status,
        reason: job.error ?? (job.status === 'cancelled' ? 'the training job was cancelled' : null),
      });
      return;
    }
    if (schedule?.on_success === 'shadow') {
      const result = await this.shadow.run(schedule.model_id, job.version);
      await this.repo.moveRun(run.id, ['settling'], 'succeeded', {
        outcome: result.outcome,
        reason: result.reason,
        comparison: result.comparison,
      });
      return;
    }
    const on = schedule ? compareOn((await this.models.getModel(schedule.model_id)).type) : null;
    if (!schedule || schedule.on_success !== 'deploy_if_better' || !on) {
      await this.repo.moveRun(run.id, ['settling'], 'succeeded', { outcome: 'registered', reason: null });
      return;
    }
    const result = await this.promotion.run(schedule.model_id, job.version, on);
    await this.repo.moveRun(run.id, ['settling'], 'succeeded', {
      outcome: result.outcome,
      reason: result.reason,
      comparison: result.comparison,
    });
  }

  // ------------------------------------------------------------------ views

  private async view(s: Schedule): Promise<ScheduleDto> {
    let runs = await this.repo.runs(s.id, RUNS_SHOWN);
    let jobs = await this.training.jobStatuses(
      runs.filter((r) => r.job_id && r.status === 'queued').map((r) => r.job_id!),
    );
    // A job cancelled while still queued ends without the runner (so without a finished event):
    // its run is recorded here. Only failed and cancelled ones, which record and do nothing else;
    // a succeeded job's run is settled by the worker that ran it (or the next run, or a start).
    const ended = [...jobs].filter(([, status]) => status === 'failed' || status === 'cancelled').map(([id]) => id);
    if (ended.length) {
      for (const id of ended) await this.settleJob(id, true);
      runs = await this.repo.runs(s.id, RUNS_SHOWN);
      jobs = await this.training.jobStatuses(
        runs.filter((r) => r.job_id && r.status === 'queued').map((r) => r.job_id!),
      );
    }
    let next: string | null = null;
    if (!s.paused) {
      try {
        next = this.queue.preview(s.cron, s.timezone)[0]?.toISOString() ?? null;
      } catch {
        next = null;
      }
    }
    const model = s.on_success === 'deploy_if_better' ? await this.models.getModel(s.model_id).catch(() => null) : null;
    return scheduleDto(s, { runs, jobs, next, compareOn: model ? compareOn(model.type) : null });
  }
}
