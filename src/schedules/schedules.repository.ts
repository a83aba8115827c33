import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { updatedRows } from '../database/updated-rows';
import { ACTIVE_RUN, Schedule, ScheduleRun, type RunStatus } from './schedule.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A run left in `starting` or `settling` this long belongs to a process that stopped mid-step. */
const STALE_SECONDS = 600;

/** The schedules module's SQL: schedules, their runs, and the latest bar their windows end at. */
@Injectable()
export class SchedulesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(schedule: Partial<Schedule>): Promise<Schedule> {
    return this.dataSource.getRepository(Schedule).save(this.dataSource.getRepository(Schedule).create(schedule));
  }

  find(id: string): Promise<Schedule | null> {
    return UUID.test(id) ? this.dataSource.getRepository(Schedule).findOneBy({ id }) : Promise.resolve(null);
  }

  forModel(modelId: string): Promise<Schedule[]> {
    return this.dataSource.getRepository(Schedule).find({ where: { model_id: modelId }, order: { created_at: 'ASC' } });
  }

  unpaused(): Promise<Schedule[]> {
    return this.dataSource.getRepository(Schedule).findBy({ paused: false });
  }

  async setPaused(id: string, paused: boolean): Promise<void> {
    await this.dataSource.getRepository(Schedule).update({ id }, { paused });
  }

  /** The schedule and its runs (a training job a run queued keeps going: it is an ordinary version). */
  async remove(id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.delete(ScheduleRun, { schedule_id: id });
      await m.delete(Schedule, { id });
    });
  }

  runs(scheduleId: string, limit: number): Promise<ScheduleRun[]> {
    return this.dataSource
      .getRepository(ScheduleRun)
      .find({ where: { schedule_id: scheduleId }, order: { created_at: 'DESC', id: 'ASC' }, take: limit });
  }

  activeRuns(scheduleId?: string): Promise<ScheduleRun[]> {
    return this.dataSource
      .getRepository(ScheduleRun)
      .findBy({ ...(scheduleId ? { schedule_id: scheduleId } : {}), status: In(ACTIVE_RUN) });
  }

  runByJob(jobId: string): Promise<ScheduleRun | null> {
    return this.dataSource.getRepository(ScheduleRun).findOneBy({ job_id: jobId });
  }

  async triggerSeen(triggerId: string): Promise<boolean> {
    return (await this.dataSource.getRepository(ScheduleRun).countBy({ trigger_id: triggerId })) > 0;
  }

  /**
   * Claim the schedule for a new run: null when another run of it is active (the partial unique
   * index refuses a second one) or this trigger was already handled (a redelivered job).
   */
  async claimRun(scheduleId: string, trigger: 'cron' | 'manual', triggerId: string | null): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `INSERT INTO schedule_runs (schedule_id, trigger, trigger_id, status) VALUES ($1, $2, $3, 'starting') ON CONFLICT DO NOTHING RETURNING id`,
      [scheduleId, trigger, triggerId],
    );
    return rows[0]?.id ?? null;
  }

  /** A run that never started (overlap, paused, archived model): recorded once per trigger. */
  async recordSkipped(
    scheduleId: string,
    trigger: 'cron' | 'manual',
    triggerId: string | null,
    reason: string,
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO schedule_runs (schedule_id, trigger, trigger_id, status, outcome, reason, finished_at) VALUES ($1, $2, $3, 'skipped', 'skipped', $4, now()) ON CONFLICT DO NOTHING`,
      [scheduleId, trigger, triggerId, reason],
    );
  }

  async update(id: string, fields: Partial<ScheduleRun>): Promise<void> {
    await this.dataSource.getRepository(ScheduleRun).update({ id }, fields as never);
  }

  async deleteRun(id: string): Promise<void> {
    await this.dataSource.getRepository(ScheduleRun).delete({ id });
  }

  /**
   * Move a run from `from` to `to`; false when another process moved it first. With
   * `reclaimStale`, a run left in `settling` by a process that stopped mid-way is taken over.
   */
  async moveRun(
    id: string,
    from: RunStatus[],
    to: RunStatus,
    fields: Partial<ScheduleRun> = {},
    reclaimStale = false,
  ): Promise<boolean> {
    const sets = ['status = $2', 'updated_at = now()'];
    const params: unknown[] = [id, to];
    for (const [k, v] of Object.entries(fields)) {
      params.push(v !== null && typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v);
      sets.push(`${k} = $${params.length}`);
    }
    if (!ACTIVE_RUN.includes(to)) sets.push('finished_at = now()');
    params.push(from);
    const stale = reclaimStale
      ? ` OR (status = 'settling' AND updated_at < now() - interval '${STALE_SECONDS} seconds')`
      : '';
    const rows = updatedRows(
      await this.dataSource.query(
        `UPDATE schedule_runs SET ${sets.join(', ')} WHERE id = $1 AND (status = ANY($${params.length})${stale}) RETURNING id`,
        params,
      ),
    );
    return rows.length > 0;
  }

  /** Whether a run has sat in `starting` (its process stopped between the claim and queueing its job) long enough to give up. */
  isStale(run: ScheduleRun): boolean {
    return Date.now() - run.updated_at.getTime() > STALE_SECONDS * 1000;
  }
}
