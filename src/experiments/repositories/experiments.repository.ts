import type { EntityManager } from 'typeorm';
import type { Experiment } from '../entities/experiment.entity';
import type { ExperimentCondition, ExperimentOrderTerm, Lifecycle } from '../experiments.types';

/** An experiment with what its live runs add: how many, and when the last one started. */
export interface ExperimentRow {
  id: string;
  name: string;
  tags: Record<string, string>;
  created_at: Date;
  archived_at: Date | null;
  run_count: number;
  last_run_at: Date | null;
}

/** Thrown by `update` when the new name belongs to another experiment (nothing was written). */
export class ExperimentNameTakenError extends Error {
  constructor(readonly experimentName: string) {
    super(`experiment name "${experimentName}" is taken`);
    this.name = 'ExperimentNameTakenError';
  }
}

/**
 * The `experiments` table. An abstract class rather than an interface so that it is also the
 * Nest injection token; SqlExperimentsRepository is the real one, tests swap in memory.
 * `tx` is the transaction of a caller that writes more than this (training's createRun).
 */
export abstract class ExperimentsRepository {
  /** The experiment with this name, created if it does not exist (safe under concurrency). */
  abstract ensure(name: string, tx?: EntityManager): Promise<Experiment>;
  /** The new experiment's id, or null when the name is taken. */
  abstract insert(name: string, tags: Record<string, string>): Promise<string | null>;
  abstract findById(id: string): Promise<Experiment | null>;
  abstract count(lifecycle: Lifecycle): Promise<number>;
  /** Oldest first (created_at, name, id: pages never overlap). */
  abstract list(lifecycle: Lifecycle, limit: number, offset: number): Promise<ExperimentRow[]>;
  abstract search(q: {
    lifecycle: Lifecycle;
    conditions: ExperimentCondition[];
    order: ExperimentOrderTerm[];
    limit: number;
    offset: number;
  }): Promise<ExperimentRow[]>;
  abstract rowById(id: string): Promise<ExperimentRow | undefined>;
  abstract rowByName(name: string): Promise<ExperimentRow | undefined>;
  /** Rename and/or change tags in one transaction; ExperimentNameTakenError when the name is another's. */
  abstract update(
    id: string,
    changes: { name?: string; tags?: { set: Record<string, string>; remove: string[] } },
  ): Promise<void>;
  abstract setArchived(id: string, archived: boolean): Promise<void>;
}
