import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from '../common/errors/app-error';
import type { Experiment } from './entities/experiment.entity';
import type { ExperimentCondition, ExperimentOrderTerm, Lifecycle } from './experiments.types';
import { ExperimentNameTakenError, ExperimentsRepository } from './repositories/experiments.repository';
import { checkMap, checkName, isUuid, LIMITS, splitTagChanges } from './validation';
import { experimentView, type ExperimentView } from './views';

function nameTaken(name: string): ConflictError {
  return new ConflictError(`An experiment named "${name}" already exists`, { name }, 'EXPERIMENT_EXISTS');
}

/** Experiments: create, find, list and search, rename and tag, archive and restore. */
@Injectable()
export class ExperimentCatalogService {
  constructor(private readonly experiments: ExperimentsRepository) {}

  /** The experiment with this name, created if it does not exist (safe under concurrency). */
  ensureExperiment(name: string, tx?: EntityManager): Promise<Experiment> {
    return this.experiments.ensure(name, tx);
  }

  /** 409 EXPERIMENT_EXISTS when the name is taken (archived experiments keep their name). */
  async createExperiment(name: string, tags: Record<string, string> = {}): Promise<ExperimentView> {
    const cleanName = checkName(name, 'name');
    checkMap(tags, 'tags', LIMITS.tagValue);
    const id = await this.experiments.insert(cleanName, tags);
    if (id === null) throw nameTaken(cleanName);
    return this.getExperimentView(id);
  }

  /**
   * One page of experiments, oldest first (as before pagination; the id breaks ties so pages
   * never overlap), with `total` over all pages like every other list route.
   */
  async listExperiments(lifecycle: Lifecycle = 'active', page: { limit?: number; offset?: number } = {}) {
    const limit = page.limit ?? 50;
    const offset = page.offset ?? 0;
    const [total, rows] = await Promise.all([
      this.experiments.count(lifecycle),
      this.experiments.list(lifecycle, limit, offset),
    ]);
    return { experiments: rows.map(experimentView), total, limit, offset };
  }

  /** Experiments for MLflow's experiments/search: by lifecycle, optional name/tag conditions, paged. */
  async findExperiments(q: {
    lifecycle: Lifecycle;
    conditions: ExperimentCondition[];
    order: ExperimentOrderTerm[];
    limit: number;
    offset: number;
  }): Promise<{ experiments: ExperimentView[]; more: boolean }> {
    // One more than asked tells whether there is a next page.
    const rows = await this.experiments.search({ ...q, limit: q.limit + 1 });
    return { experiments: rows.slice(0, q.limit).map(experimentView), more: rows.length > q.limit };
  }

  /** 404 EXPERIMENT_NOT_FOUND. */
  async getExperiment(id: string): Promise<Experiment> {
    const e = isUuid(id) ? await this.experiments.findById(id) : null;
    if (!e) throw new NotFoundError(`Experiment ${id} does not exist`, { experiment_id: id }, 'EXPERIMENT_NOT_FOUND');
    return e;
  }

  async getExperimentView(id: string): Promise<ExperimentView> {
    await this.getExperiment(id);
    const row = await this.experiments.rowById(id);
    if (!row) throw new NotFoundError(`Experiment ${id} does not exist`, { experiment_id: id }, 'EXPERIMENT_NOT_FOUND');
    return experimentView(row);
  }

  async getExperimentByName(name: string): Promise<ExperimentView> {
    const row = typeof name === 'string' ? await this.experiments.rowByName(name) : undefined;
    if (!row)
      throw new NotFoundError(`No experiment named "${String(name).slice(0, 200)}"`, { name }, 'EXPERIMENT_NOT_FOUND');
    return experimentView(row);
  }

  /** Rename and/or merge tags (a tag set to null is removed). 409 EXPERIMENT_EXISTS when the new name is taken. */
  async updateExperiment(
    id: string,
    changes: { name?: string; tags?: Record<string, string | null> },
  ): Promise<ExperimentView> {
    await this.getExperiment(id);
    // Everything is checked before anything is written, and both writes are one transaction:
    // invalid tags used to be refused (422) after the rename had already been stored.
    const name = changes.name !== undefined ? checkName(changes.name, 'name') : undefined;
    const tags = changes.tags !== undefined ? splitTagChanges(changes.tags) : undefined;
    try {
      await this.experiments.update(id, { name, tags });
    } catch (e) {
      if (e instanceof ExperimentNameTakenError) throw nameTaken(e.experimentName);
      throw e;
    }
    return this.getExperimentView(id);
  }

  async setExperimentArchived(id: string, archived: boolean): Promise<ExperimentView> {
    await this.getExperiment(id);
    await this.experiments.setArchived(id, archived);
    return this.getExperimentView(id);
  }
}
