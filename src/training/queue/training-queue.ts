import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { DATABASE_KIND, type DatabaseKind } from '../../database/database.tokens';
import { ReadinessChecks } from '../../health/readiness-checks';
import { JobHeartbeat } from './job-heartbeat';
import { pgliteBossDatabase } from './pglite-boss-adapter';

export const TRAINING_QUEUE = 'training';
export const TRAINING_DEAD_LETTER = 'training-dead';

/**
 * A message of the training queue: a job (its row holds everything else), or one walk-forward
 * fold of it (`fold`), or the walk-forward parent's continuation once its folds ended (`resume`).
 */
export interface TrainingMessage {
  job_id: string;
  fold?: number;
  resume?: boolean;
}

/**
 * The pg-boss id of a job's fold or continuation: a UUID derived from the job id, so that a
 * second send (a retried parent, two folds ending at once) is the same queue job, not another.
 */
export function derivedQueueId(jobId: string, part: string): string {
  const h = createHash('sha1').update(`${jobId}:${part}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The pg-boss id of fold `fold` of a job. */
export const foldQueueId = (jobId: string, fold: number) => derivedQueueId(jobId, `fold:${fold}`);

type PgBossType = import('pg-boss').PgBoss;
export type WorkJob = { id: string; data: TrainingMessage; retryCount: number; signal: AbortSignal };

/**
 * The durable training queue: pg-boss on the service's own PostgreSQL (embedded or real).
 * Only the job id travels through it; the training_jobs row holds everything else. A job
 * whose worker dies is retried after its heartbeat times out; after the last retry it goes
 * to the dead-letter queue, whose handler marks it failed — so no job stays running forever.
 */
@Injectable()
export class TrainingQueue implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('TrainingQueue');
  private boss: PgBossType | undefined;
  /** PostgreSQL only: heartbeats from a thread of their own (job-heartbeat.ts). */
  private heartbeat: JobHeartbeat | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    @Inject(DATABASE_KIND) private readonly databaseKind: DatabaseKind,
    readiness: ReadinessChecks,
    indicators: HealthIndicatorService,
  ) {
    readiness.register(() => {
      const indicator = indicators.check('queue');
      return Promise.resolve(
        this.started
          ? indicator.up({ name: TRAINING_QUEUE })
          : indicator.down({ message: 'the job queue is not running' }),
      );
    });
  }

  async onModuleInit(): Promise<void> {
    // pg-boss is ESM-only; Node 20.19+ loads it through require(esm).
    const { PgBoss } = require('pg-boss') as typeof import('pg-boss');
    // Heartbeat expiry is noticed by supervision passes (default: once a minute); run them as
    // often as the heartbeat so a crashed worker's job is taken over within about two heartbeats.
    const passSeconds = Math.min(60, this.config.trainingHeartbeatSeconds);
    // `schedule`: processes that train also run pg-boss's cron passes (retraining schedules,
    // src/schedules): every such replica tries, one per interval wins the claim (see schedule-queue.ts).
    // A pass every 10 s (pg-boss's default: 30) and the fired jobs polled every 2 s (default 5):
    // an occurrence starts its run within about 12 s, for one small UPDATE per worker per pass.
    const supervision = {
      supervise: true,
      schedule: this.config.runsWorker,
      cronMonitorIntervalSeconds: 10,
      cronWorkerIntervalSeconds: 2,
      superviseIntervalSeconds: passSeconds,
      monitorIntervalSeconds: passSeconds,
    };
    this.boss =
      this.databaseKind === 'embedded'
        ? new PgBoss({ db: pgliteBossDatabase(this.dataSource), backend: 'pglite', schema: 'pgboss', ...supervision })
        : new PgBoss({ connectionString: this.config.databaseUrl!, schema: 'pgboss', max: 3, ...supervision });
    this.boss.on('error', (e: Error) => this.logger.error({ err: { message: e.message } }, 'queue error'));
    await this.boss.start();
    // Retries count interruptions (a crashed worker, a worker stopped mid-job that hands the job
    // back): enough for a rolling update plus a crash, few enough that a job that kills every
    // worker it touches ends failed.
    const queueOptions = {
      retryLimit: 4,
      retryDelay: 5,
      heartbeatSeconds: this.config.trainingHeartbeatSeconds,
      expireInSeconds: 24 * 3600,
      deadLetter: TRAINING_DEAD_LETTER,
    };
    // createQueue takes an advisory lock and runs a PL/pgSQL function (~0.2 s of a start on
    // PGlite): only for a queue that is not there yet (on every start but the first, both are).
    if (!(await this.boss.getQueue(TRAINING_DEAD_LETTER)))
      await this.boss.createQueue(TRAINING_DEAD_LETTER).catch(ignoreExists);
    if (!(await this.boss.getQueue(TRAINING_QUEUE)))
      await this.boss.createQueue(TRAINING_QUEUE, queueOptions).catch(ignoreExists);
    // A queue created by an older release (or with another heartbeat) takes this process's settings.
    await this.boss.updateQueue(TRAINING_QUEUE, queueOptions);
    if (this.databaseKind === 'postgres' && this.config.runsWorker) {
      // pg-boss refreshes a running job's heartbeat from a timer on this thread; a second one,
      // from a thread with its own connection, keeps the claim while this thread is busy.
      // Stuck for good (no sign of life for 10 heartbeats, at least 5 minutes), it lets go.
      this.heartbeat = new JobHeartbeat({
        connectionString: this.config.databaseUrl!,
        schema: 'pgboss',
        queue: TRAINING_QUEUE,
        intervalMs: Math.round((this.config.trainingHeartbeatSeconds * 1000) / 3),
        stallLimitMs: Math.max(300_000, 10 * this.config.trainingHeartbeatSeconds * 1000),
      });
    }
    this.started = true;
  }

  /** Enqueue a job; its pg-boss id is the job id, so sending twice is harmless. */
  async send(jobId: string): Promise<void> {
    await this.boss!.send(TRAINING_QUEUE, { job_id: jobId }, { id: jobId });
  }

  /**
   * A walk-forward fold of a job. Priority 1 (jobs have 0): the folds of a started job go before
   * jobs queued after it, so a job's folds and its continuation do not wait behind newer jobs.
   */
  async sendFold(jobId: string, fold: number): Promise<string> {
    const id = foldQueueId(jobId, fold);
    await this.boss!.send(TRAINING_QUEUE, { job_id: jobId, fold }, { id, priority: 1 });
    return id;
  }

  /** The walk-forward parent's continuation (its final model): once per job, whoever sends it. */
  async sendResume(jobId: string): Promise<void> {
    await this.boss!.send(
      TRAINING_QUEUE,
      { job_id: jobId, resume: true },
      { id: derivedQueueId(jobId, 'resume'), priority: 1 },
    );
  }

  /** Cancel queue jobs by pg-boss id (a job's, or its folds'). */
  async cancel(id: string | string[]): Promise<void> {
    await this.boss!.cancel(TRAINING_QUEUE, id).catch(() => undefined);
  }

  async work(concurrency: number, handler: (job: WorkJob) => Promise<void>): Promise<void> {
    await this.boss!.work<TrainingMessage>(
      TRAINING_QUEUE,
      { batchSize: 1, localConcurrency: concurrency, pollingIntervalSeconds: 1 },
      async (jobs) => {
        for (const job of jobs) {
          this.heartbeat?.hold(job);
          try {
            await handler(job);
          } finally {
            this.heartbeat?.release(job.id);
          }
        }
      },
    );
  }

  /**
   * The started pg-boss instance, for queues of other modules on the same connection (the
   * retraining schedules' queue, src/schedules/schedule-queue.ts). Undefined before onModuleInit.
   */
  get pgBoss(): PgBossType | undefined {
    return this.boss;
  }

  /** The heartbeat thread, when there is one (PostgreSQL workers). */
  get heartbeatThread(): JobHeartbeat | undefined {
    return this.heartbeat;
  }

  async workDeadLetters(handler: (message: TrainingMessage) => Promise<void>): Promise<void> {
    await this.boss!.work<TrainingMessage>(
      TRAINING_DEAD_LETTER,
      { batchSize: 1, pollingIntervalSeconds: 2 },
      async (jobs) => {
        for (const job of jobs) await handler(job.data);
      },
    );
  }

  /**
   * Stop taking jobs; let running ones finish for up to `drainMs`, then fail them back to the
   * queue (their handlers see `signal` abort, and another worker retries them). Idempotent.
   */
  stop(drainMs: number): Promise<void> {
    if (!this.boss || (!this.started && !this.stopping)) return Promise.resolve();
    this.started = false;
    this.stopping ??= this.boss
      .stop({ graceful: true, timeout: Math.max(1000, drainMs) })
      .catch((e: Error) => this.logger.warn(`queue stop: ${e.message}`))
      .finally(() => this.heartbeat?.stop());
    return this.stopping;
  }

  /** Before the database closes: a worker drains (WORKER_DRAIN_SECONDS); an api process only stops its connections. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop(this.config.runsWorker ? this.config.workerDrainSeconds * 1000 : 1000);
  }
}

function ignoreExists(e: Error): void {
  if (!/already exists/i.test(e.message)) throw e;
}
