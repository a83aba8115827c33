import { Injectable } from '@nestjs/common';
import { TrainingQueue } from '../training/queue/training-queue';

/** pg-boss queue the cron occurrences of every retraining schedule are sent to (key = schedule id). */
export const SCHEDULE_QUEUE = 'training-schedule';

export interface ScheduleFire {
  schedule_id: string;
}

export interface RegisteredSchedule {
  key: string;
  cron: string;
  timezone: string;
  data?: object;
}

/**
 * Retraining schedules on pg-boss's own scheduling, on the training queue's pg-boss instance.
 *
 * Why a cron occurrence starts exactly one training, however many replicas run:
 * 1. Every process that trains runs pg-boss's cron pass (`schedule: true`, training-queue.ts);
 *    a pass first claims the interval with one conditional UPDATE of pg-boss's version row
 *    (`cron_on` older than the interval), so one replica per interval evaluates the schedules.
 * 2. Should two passes still overlap, each due occurrence is inserted into pg-boss's send-it
 *    queue under a singleton key per (queue, schedule key) and the occurrence's minute: the
 *    second insert is dropped, one send-it job per occurrence.
 * 3. That job is fetched by one worker (FOR UPDATE SKIP LOCKED) and forwarded as one job to
 *    SCHEDULE_QUEUE, itself fetched by one worker. Forwarding is at-least-once (a worker that
 *    dies after the send and before completing the send-it job lets it be retried), so the
 *    handler is idempotent twice over: a redelivered job has the same id (unique
 *    schedule_runs.trigger_id), and a second forward of one occurrence finds the first's run
 *    active (unique partial index: one active run per schedule) and is recorded as skipped.
 */
@Injectable()
export class ScheduleQueue {
  constructor(private readonly training: TrainingQueue) {}

  private get boss() {
    const boss = this.training.pgBoss;
    if (!boss) throw new Error('the job queue is not started');
    return boss;
  }

  /** Creates the queue (the cron rows reference it); idempotent. */
  async ensureQueue(): Promise<void> {
    // A fire job is light (it queues a training job): a few retries, and short expiry.
    await this.boss
      .createQueue(SCHEDULE_QUEUE, { retryLimit: 3, retryDelay: 10, expireInSeconds: 600 })
      .catch((e: Error) => {
        if (!/already exists/i.test(e.message)) throw e;
      });
  }

  /**
   * Upsert the schedule's pg-boss row. `missed: 'once'`: an occurrence that came due while no
   * replica ran a cron pass (every worker down, a deploy) is sent once when one comes back.
   */
  async register(id: string, cron: string, timezone: string): Promise<void> {
    await this.boss.schedule(SCHEDULE_QUEUE, cron, { schedule_id: id } satisfies ScheduleFire, {
      tz: timezone,
      key: id,
      missed: 'once',
    });
  }

  async unregister(id: string): Promise<void> {
    await this.boss.unschedule(SCHEDULE_QUEUE, id);
  }

  async registered(): Promise<RegisteredSchedule[]> {
    return await this.boss.getSchedules(SCHEDULE_QUEUE);
  }

  /**
   * The next occurrences of `cron` in `timezone` after `from`, as pg-boss's cron pass reads the
   * expression (it fires within about its pass interval, 10 s, after each). Throws pg-boss's
   * own message for an expression or zone it would not accept.
   */
  preview(cron: string, timezone: string, count = 1, from?: Date): Date[] {
    return this.boss.previewSchedule(cron, { tz: timezone, count, ...(from ? { from } : {}) });
  }

  /** Take fired occurrences off the queue (processes that train). */
  async work(handler: (job: { id: string; data: ScheduleFire }) => Promise<void>): Promise<void> {
    await this.boss.work<ScheduleFire>(SCHEDULE_QUEUE, { batchSize: 1, pollingIntervalSeconds: 2 }, async (jobs) => {
      for (const job of jobs) await handler({ id: job.id, data: job.data });
    });
  }
}
