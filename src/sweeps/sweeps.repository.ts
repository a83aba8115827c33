import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, In } from 'typeorm';
import { updatedRows } from '../database/updated-rows';
import { Sweep, SweepTrial, type SweepStatus, type TrialStatus } from './sweep.entity';

export const ACTIVE_TRIAL: TrialStatus[] = ['proposed', 'queued', 'running'];

/** The sweeps module's SQL: sweeps and their trials. */
@Injectable()
export class SweepsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, sweep: Partial<Sweep>): Promise<void> {
    await manager.insert(Sweep, sweep as never);
  }

  find(id: string): Promise<Sweep | null> {
    return /^[0-9a-f-]{36}$/i.test(id) ? this.dataSource.getRepository(Sweep).findOneBy({ id }) : Promise.resolve(null);
  }

  async list(limit: number, offset: number): Promise<[Sweep[], number]> {
    return this.dataSource
      .getRepository(Sweep)
      .findAndCount({ order: { created_at: 'DESC' }, take: limit, skip: offset });
  }

  withStatus(statuses: SweepStatus[]): Promise<Sweep[]> {
    return this.dataSource.getRepository(Sweep).findBy({ status: In(statuses) });
  }

  trials(sweepId: string): Promise<SweepTrial[]> {
    return this.dataSource.getRepository(SweepTrial).find({ where: { sweep_id: sweepId }, order: { index: 'ASC' } });
  }

  trialByJob(jobId: string): Promise<SweepTrial | null> {
    return this.dataSource.getRepository(SweepTrial).findOneBy({ job_id: jobId });
  }

  /** Claim trial `index` of a sweep: false when another process claimed it first (the unique index decides). */
  async claimTrial(sweepId: string, index: number, params: Record<string, unknown>): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `INSERT INTO sweep_trials (sweep_id, index, params, status) VALUES ($1, $2, $3::jsonb, 'proposed') ON CONFLICT (sweep_id, index) DO NOTHING RETURNING id`,
      [sweepId, index, JSON.stringify(params)],
    );
    return rows[0]?.id ?? null;
  }

  async updateTrial(id: string, fields: Partial<SweepTrial>): Promise<void> {
    await this.dataSource.getRepository(SweepTrial).update({ id }, fields as never);
  }

  /** Move a trial to `to` only while it is in one of `from` (a concurrent cancel or prune wins). */
  async moveTrial(
    id: string,
    from: TrialStatus[],
    to: TrialStatus,
    fields: Partial<SweepTrial> = {},
  ): Promise<boolean> {
    const res = await this.dataSource
      .getRepository(SweepTrial)
      .update({ id, status: In(from) }, { ...fields, status: to } as never);
    return (res.affected ?? 0) > 0;
  }

  /** Move the sweep from one of `from` to `to`; false when it was not in `from` (another process moved it). */
  async moveSweep(id: string, from: SweepStatus[], to: SweepStatus, fields: Partial<Sweep> = {}): Promise<boolean> {
    const sets: string[] = ['status = $2'];
    const params: unknown[] = [id, to];
    for (const [k, v] of Object.entries(fields)) {
      params.push(v !== null && typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v);
      sets.push(`${k} = $${params.length}`);
    }
    if (['succeeded', 'failed', 'cancelled'].includes(to)) sets.push('finished_at = now()');
    params.push(from);
    const rows = updatedRows(
      await this.dataSource.query(
        `UPDATE sweeps SET ${sets.join(', ')} WHERE id = $1 AND status = ANY($${params.length}) RETURNING id`,
        params,
      ),
    );
    return rows.length > 0;
  }

  async updateSweep(id: string, fields: Partial<Sweep>): Promise<void> {
    await this.dataSource.getRepository(Sweep).update({ id }, fields as never);
  }

  /** Remove a sweep whose first trials could not be queued at all (the POST answers 422). */
  async remove(id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.delete(SweepTrial, { sweep_id: id });
      await m.delete(Sweep, { id });
    });
  }
}
