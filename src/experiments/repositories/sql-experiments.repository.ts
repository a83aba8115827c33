import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Experiment } from '../entities/experiment.entity';
import type { ExperimentCondition, ExperimentOrderTerm, Lifecycle } from '../experiments.types';
import { ExperimentNameTakenError, ExperimentsRepository, type ExperimentRow } from './experiments.repository';

const EXPERIMENT_SELECT = `SELECT e.id, e.name, e.tags, e.created_at, e.archived_at, count(r.id)::int AS run_count, max(r.start_time) AS last_run_at
  FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id AND r.deleted_at IS NULL`;

const LIFECYCLE_WHERE: Record<Lifecycle, string | null> = {
  active: 'e.archived_at IS NULL',
  deleted: 'e.archived_at IS NOT NULL',
  all: null,
};

const ORDER_COLUMNS: Record<ExperimentOrderTerm['field'], string> = {
  name: 'e.name',
  experiment_id: 'e.id',
  creation_time: 'e.created_at',
  last_update_time: 'COALESCE(max(r.start_time), e.created_at)',
};

@Injectable()
export class SqlExperimentsRepository extends ExperimentsRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async ensure(name: string, tx: EntityManager = this.dataSource.manager): Promise<Experiment> {
    await tx.query(`INSERT INTO experiments (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [name]);
    return tx.findOneByOrFail(Experiment, { name });
  }

  async insert(name: string, tags: Record<string, string>): Promise<string | null> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO experiments (name, tags) VALUES ($1, $2::jsonb) ON CONFLICT (name) DO NOTHING RETURNING id`,
      [name, JSON.stringify(tags)],
    );
    return rows[0]?.id ?? null;
  }

  findById(id: string): Promise<Experiment | null> {
    return this.dataSource.getRepository(Experiment).findOneBy({ id });
  }

  async count(lifecycle: Lifecycle): Promise<number> {
    const where = LIFECYCLE_WHERE[lifecycle];
    const [{ total }] = await this.dataSource.query<Array<{ total: number }>>(
      `SELECT count(*)::int AS total FROM experiments e ${where ? `WHERE ${where}` : ''}`,
    );
    return Number(total);
  }

  list(lifecycle: Lifecycle, limit: number, offset: number): Promise<ExperimentRow[]> {
    const where = LIFECYCLE_WHERE[lifecycle];
    return this.dataSource.query<ExperimentRow[]>(
      `${EXPERIMENT_SELECT} ${where ? `WHERE ${where}` : ''} GROUP BY e.id ORDER BY e.created_at, e.name, e.id LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
  }

  search(q: {
    lifecycle: Lifecycle;
    conditions: ExperimentCondition[];
    order: ExperimentOrderTerm[];
    limit: number;
    offset: number;
  }): Promise<ExperimentRow[]> {
    const params: unknown[] = [];
    const bind = (v: unknown) => (params.push(v), `$${params.length}`);
    const where: string[] = [];
    const lifecycle = LIFECYCLE_WHERE[q.lifecycle];
    if (lifecycle) where.push(lifecycle);
    for (const c of q.conditions) {
      const op = c.op === '!=' ? '<>' : c.op;
      where.push(
        c.column === 'name'
          ? `e.name ${op} ${bind(c.value)}::text`
          : `(e.tags ->> ${bind(c.key)}) ${op} ${bind(c.value)}::text`,
      );
    }
    // MLflow's default after the caller's terms: newest first.
    const order = [...q.order.map((t) => `${ORDER_COLUMNS[t.field]} ${t.direction}`), 'e.created_at DESC', 'e.id'];
    return this.dataSource.query<ExperimentRow[]>(
      `${EXPERIMENT_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY e.id ORDER BY ${order.join(', ')} LIMIT ${Math.floor(q.limit)} OFFSET ${Math.floor(q.offset)}`,
      params,
    );
  }

  async rowById(id: string): Promise<ExperimentRow | undefined> {
    const [row] = await this.dataSource.query<ExperimentRow[]>(`${EXPERIMENT_SELECT} WHERE e.id = $1 GROUP BY e.id`, [
      id,
    ]);
    return row;
  }

  async rowByName(name: string): Promise<ExperimentRow | undefined> {
    const [row] = await this.dataSource.query<ExperimentRow[]>(`${EXPERIMENT_SELECT} WHERE e.name = $1 GROUP BY e.id`, [
      name,
    ]);
    return row;
  }

  async update(
    id: string,
    changes: { name?: string; tags?: { set: Record<string, string>; remove: string[] } },
  ): Promise<void> {
    const { name, tags } = changes;
    await this.dataSource.transaction(async (m) => {
      if (name !== undefined) {
        const [clash] = await m.query<Array<{ id: string }>>(
          `SELECT id FROM experiments WHERE name = $1 AND id <> $2`,
          [name, id],
        );
        if (clash) throw new ExperimentNameTakenError(name);
        try {
          await m.query(`UPDATE experiments SET name = $2 WHERE id = $1`, [id, name]);
        } catch (e) {
          // Taken by a concurrent rename between the check and the update.
          if ((e as { code?: string }).code === '23505') throw new ExperimentNameTakenError(name);
          throw e;
        }
      }
      if (tags !== undefined) {
        const minus = tags.remove.map((_, i) => ` - $${i + 3}::text`).join('');
        await m.query(`UPDATE experiments SET tags = (tags${minus}) || $2::jsonb WHERE id = $1`, [
          id,
          JSON.stringify(tags.set),
          ...tags.remove,
        ]);
      }
    });
  }

  async setArchived(id: string, archived: boolean): Promise<void> {
    await this.dataSource.query(
      `UPDATE experiments SET archived_at = ${archived ? 'COALESCE(archived_at, now())' : 'NULL'} WHERE id = $1`,
      [id],
    );
  }
}
