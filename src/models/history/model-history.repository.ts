import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isoOrNull } from '../../common/iso-time';
import type { ModelHistoryEvent } from './model-history.entity';

export interface HistoryRecord {
  model_id: string;
  event: ModelHistoryEvent;
  alias?: string | null;
  version?: string | null;
  previous_version?: string | null;
  reason?: string | null;
}

export interface HistoryEntryView {
  id: number;
  event: ModelHistoryEvent;
  alias: string | null;
  version: string | null;
  previous_version: string | null;
  reason: string | null;
  created_at: string;
}

/** SQL of model_history: written inside the caller's transaction, so a change and its record never disagree. */
@Injectable()
export class ModelHistoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  async record(manager: EntityManager, r: HistoryRecord): Promise<void> {
    await manager.query(
      `INSERT INTO model_history (model_id, event, alias, version, previous_version, reason) VALUES ($1, $2, $3, $4, $5, $6)`,
      [r.model_id, r.event, r.alias ?? null, r.version ?? null, r.previous_version ?? null, r.reason ?? null],
    );
  }

  /** Newest first. */
  async list(
    modelId: string,
    q: { event?: string; alias?: string; limit: number; offset: number },
  ): Promise<{ events: HistoryEntryView[]; total: number }> {
    const params: unknown[] = [modelId];
    let where = 'model_id = $1';
    if (q.event) where += ` AND event = $${params.push(q.event)}`;
    if (q.alias) where += ` AND alias = $${params.push(q.alias)}`;
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM model_history WHERE ${where}`,
      params,
    );
    const rows: Array<Omit<HistoryEntryView, 'created_at' | 'id'> & { id: string; created_at: Date }> =
      await this.dataSource.query(
        `SELECT id, event, alias, version, previous_version, reason, created_at FROM model_history WHERE ${where} ORDER BY id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, q.limit, q.offset],
      );
    return { total, events: rows.map((r) => ({ ...r, id: Number(r.id), created_at: isoOrNull(r.created_at)! })) };
  }
}
