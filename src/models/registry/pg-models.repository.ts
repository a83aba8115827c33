import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ModelVersion } from '../entities/model-version.entity';
import { Model } from '../entities/model.entity';
import { listHistory } from '../history/history.sql';
import { trialsBySpan, type SpanTrials } from '../trials/trials.sql';
import { listModels } from './models-list.sql';
import { ModelsRepository, type RegistryTx } from './models.repository';
import { PgRegistryTx } from './pg-registry-tx';
import type { AliasRow, HistoryFilter, HistoryRow, ModelListFilter, ModelListRow, ModelRow } from './registry-rows';

/** The registry in PostgreSQL (or the embedded PGlite: the same SQL). */
@Injectable()
export class PgModelsRepository extends ModelsRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  transaction<T>(work: (tx: RegistryTx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(new PgRegistryTx(manager)));
  }

  within(manager: EntityManager): RegistryTx {
    return new PgRegistryTx(manager);
  }

  direct(): RegistryTx {
    return new PgRegistryTx(this.dataSource.manager);
  }

  listModels(filter: ModelListFilter): Promise<{ total: number; rows: ModelListRow[] }> {
    return listModels(this.dataSource, filter);
  }

  findModel(id: string): Promise<ModelRow | null> {
    return this.dataSource.getRepository(Model).findOneBy({ id });
  }

  versionsOf(modelId: string): Promise<ModelVersion[]> {
    return this.dataSource.getRepository(ModelVersion).findBy({ model_id: modelId });
  }

  findVersion(modelId: string, version: string): Promise<ModelVersion | null> {
    return this.dataSource.getRepository(ModelVersion).findOneBy({ model_id: modelId, version });
  }

  aliasesOf(modelId: string): Promise<AliasRow[]> {
    return this.dataSource.query<AliasRow[]>(
      `SELECT model_id, alias, version, created_at, updated_at FROM model_aliases WHERE model_id = $1 ORDER BY alias`,
      [modelId],
    );
  }

  async aliasTarget(modelId: string, alias: string): Promise<string | null> {
    const [row] = await this.dataSource.query<Array<{ version: string }>>(
      `SELECT version FROM model_aliases WHERE model_id = $1 AND alias = $2`,
      [modelId, alias],
    );
    return row?.version ?? null;
  }

  trialsBySpan(keys: string[]): Promise<Map<string, SpanTrials>> {
    return trialsBySpan(this.dataSource, keys);
  }

  history(modelId: string, filter: HistoryFilter): Promise<{ total: number; rows: HistoryRow[] }> {
    return listHistory(this.dataSource, modelId, filter);
  }
}
