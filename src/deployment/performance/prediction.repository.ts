import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PredictionRole } from '../entities';

/** A served prediction on its way into deployment_predictions. */
export interface NewPrediction {
  deployment_id: string;
  model_id: string;
  version: string;
  role: PredictionRole;
  engine: string;
  symbol: string;
  timeframe: string;
  as_of: Date;
  horizon: number;
  predicted: number;
  served_at: Date;
}

/** A stored prediction still waiting for its horizon to realise (scored_at null). */
export interface PendingPrediction {
  id: string;
  deployment_id: string;
  model_id: string;
  version: string;
  as_of: number;
}

export interface Realisation {
  id: string;
  realised: number;
  price: number;
  realised_at: number;
}

export interface ScoredRow {
  symbol: string;
  as_of: number;
  realised_at: number;
  predicted: number;
  realised: number;
  price: number;
}

/** The query window of GET /deployments/{id}/performance. */
export type ScoreWindow = { kind: 'all' } | { kind: 'last_n'; n: number } | { kind: 'since'; ms: number };

/** Rows per INSERT / UPDATE statement (bounds statement size; 11 or 4 parameters a row). */
const CHUNK = 1000;

/**
 * The SQL of live performance (deployment_predictions). Inserts skip a bar already stored
 * for the same deployment and version (the unique key), so a duplicate counts once.
 */
@Injectable()
export class PredictionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(rows: NewPrediction[]): Promise<number> {
    let inserted = 0;
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const params: unknown[] = [];
      const values = chunk.map((r) => {
        params.push(
          r.deployment_id,
          r.model_id,
          r.version,
          r.role,
          r.engine,
          r.symbol,
          r.timeframe,
          r.as_of,
          r.horizon,
          r.predicted,
          r.served_at,
        );
        const b = params.length - 11;
        return `(${Array.from({ length: 11 }, (_, k) => `$${b + k + 1}`).join(', ')})`;
      });
      const out: Array<{ id: string }> = await this.dataSource.query(
        `INSERT INTO deployment_predictions (deployment_id, model_id, version, role, engine, symbol, timeframe, as_of, horizon, predicted, served_at)
         VALUES ${values.join(', ')} ON CONFLICT (deployment_id, version, as_of, symbol, timeframe) DO NOTHING RETURNING id`,
        params,
      );
      inserted += out.length;
    }
    return inserted;
  }

  /**
   * Unscored predictions of one series made at or before `upTo` (the pending index), optionally
   * of one deployment. One row per (deployment, version) with its ids and bars as arrays: ten
   * thousand rows would cost more to ship and parse than the scoring itself.
   */
  async pending(symbol: string, timeframe: string, upTo: number, deploymentId?: string): Promise<PendingPrediction[]> {
    const groups: Array<{ deployment_id: string; model_id: string; version: string; ids: string[]; ts: number[] }> =
      await this.dataSource.query(
        `SELECT deployment_id, model_id, version, array_agg(id) AS ids, array_agg((extract(epoch FROM as_of) * 1000)::float8) AS ts FROM deployment_predictions
       WHERE symbol = $1 AND timeframe = $2 AND scored_at IS NULL AND as_of <= $3 ${deploymentId ? 'AND deployment_id = $4' : ''}
       GROUP BY deployment_id, model_id, version`,
        deploymentId ? [symbol, timeframe, new Date(upTo), deploymentId] : [symbol, timeframe, new Date(upTo)],
      );
    const out: PendingPrediction[] = [];
    for (const g of groups) {
      for (let i = 0; i < g.ids.length; i++)
        out.push({
          id: String(g.ids[i]),
          deployment_id: g.deployment_id,
          model_id: g.model_id,
          version: g.version,
          as_of: Number(g.ts[i]),
        });
    }
    return out;
  }

  /** The series a deployment still has unscored predictions in. */
  async pendingSeries(deploymentId: string): Promise<Array<{ symbol: string; timeframe: string }>> {
    return this.dataSource.query<Array<{ symbol: string; timeframe: string }>>(
      `SELECT DISTINCT symbol, timeframe FROM deployment_predictions WHERE deployment_id = $1 AND scored_at IS NULL`,
      [deploymentId],
    );
  }

  /** Write realised values, one statement per chunk (UPDATE … FROM unnest). */
  async realise(rows: Realisation[]): Promise<void> {
    const now = new Date();
    for (let i = 0; i < rows.length; i += CHUNK * 10) {
      const chunk = rows.slice(i, i + CHUNK * 10);
      await this.dataSource.query(
        `UPDATE deployment_predictions p SET realised = v.realised, price = v.price, realised_at = to_timestamp(v.realised_ms / 1000), scored_at = $5
         FROM (SELECT unnest($1::bigint[]) AS id, unnest($2::float8[]) AS realised, unnest($3::float8[]) AS price, unnest($4::float8[]) AS realised_ms) v
         WHERE p.id = v.id`,
        [
          chunk.map((r) => r.id),
          chunk.map((r) => r.realised),
          chunk.map((r) => r.price),
          chunk.map((r) => r.realised_at),
          now,
        ],
      );
    }
  }

  /** Predictions that can never be scored (their bar is no longer stored, later ones are): scored_at set, realised left null. */
  async markUnscorable(ids: string[]): Promise<void> {
    if (ids.length)
      await this.dataSource.query(`UPDATE deployment_predictions SET scored_at = $2 WHERE id = ANY($1::bigint[])`, [
        ids,
        new Date(),
      ]);
  }

  /** Scored predictions of a version on a deployment within a window, oldest bar first. */
  async scored(deploymentId: string, version: string, window: ScoreWindow): Promise<ScoredRow[]> {
    const params: unknown[] = [deploymentId, version];
    let filter = '';
    let limit = '';
    if (window.kind === 'since') {
      params.push(new Date(Date.now() - window.ms));
      filter = `AND served_at >= $3`;
    } else if (window.kind === 'last_n') {
      params.push(window.n);
      limit = `ORDER BY as_of DESC LIMIT $3`;
    }
    const rows: Array<{
      symbol: string;
      as_of: Date;
      realised_at: Date;
      predicted: number;
      realised: number;
      price: number;
    }> = await this.dataSource.query(
      `SELECT symbol, as_of, realised_at, predicted, realised, price FROM deployment_predictions
       WHERE deployment_id = $1 AND version = $2 AND realised IS NOT NULL ${filter} ${limit}`,
      params,
    );
    return rows
      .map((r) => ({
        symbol: r.symbol,
        as_of: new Date(r.as_of).getTime(),
        realised_at: new Date(r.realised_at).getTime(),
        predicted: Number(r.predicted),
        realised: Number(r.realised),
        price: Number(r.price),
      }))
      .sort((a, b) => a.as_of - b.as_of || a.symbol.localeCompare(b.symbol));
  }

  /** How many predictions of a version on a deployment are stored, and how many still wait for their horizon. */
  async counts(deploymentId: string, version: string): Promise<{ stored: number; pending: number }> {
    const [row] = await this.dataSource.query<Array<{ stored: number; pending: number }>>(
      `SELECT count(*)::int AS stored, count(*) FILTER (WHERE scored_at IS NULL)::int AS pending FROM deployment_predictions WHERE deployment_id = $1 AND version = $2`,
      [deploymentId, version],
    );
    return { stored: row?.stored ?? 0, pending: row?.pending ?? 0 };
  }

  /** Every (version, role) with kept predictions on a deployment, the latest served last (a version that changed role reads as its latest). */
  async versionRoles(deploymentId: string): Promise<Array<{ version: string; role: PredictionRole }>> {
    return this.dataSource.query<Array<{ version: string; role: PredictionRole }>>(
      `SELECT version, role FROM deployment_predictions WHERE deployment_id = $1 GROUP BY version, role ORDER BY max(served_at), version`,
      [deploymentId],
    );
  }

  /** Retention: delete predictions served before `before`. */
  async deleteServedBefore(before: Date): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ n: number }>>(
      `WITH d AS (DELETE FROM deployment_predictions WHERE served_at < $1 RETURNING 1) SELECT count(*)::int AS n FROM d`,
      [before],
    );
    return row?.n ?? 0;
  }
}
