import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DEPLOYMENT_OPTIONS, type DeploymentOptions } from '../deployment-options';
import { ModelsService } from '../../models/models.service';
import { DeploymentNotifier } from '../notifications/deployment-notifier';
import type {
  AppliedChange,
  DeploymentTargetDriver,
  TargetChange,
  TargetDescription,
  VersionRef,
} from './target-driver';
import { createTargetDrivers } from './target-registry';

/**
 * The drivers of the configured targets, made once at start from the registry, and the
 * three steps the deployment service runs them through (see target-driver.ts).
 */
@Injectable()
export class TargetDrivers implements OnModuleInit {
  private readonly logger = new Logger('DeploymentTargets');
  private readonly byTarget: Map<string, DeploymentTargetDriver[]>;

  constructor(
    @Inject(DEPLOYMENT_OPTIONS) options: DeploymentOptions,
    models: ModelsService,
    notifier: DeploymentNotifier,
  ) {
    this.byTarget = createTargetDrivers(options, { models, notifier });
  }

  onModuleInit(): void {
    const drivers = this.describe();
    if (drivers.length) this.logger.log(`target drivers: ${drivers.map((d) => `${d.target} ${d.kind}`).join(', ')}`);
  }

  /** Every driver of every target (a target without drivers is not listed). */
  describe(): TargetDescription[] {
    return [...this.byTarget.values()].flat().map((d) => d.describe());
  }

  async prepare(ref: VersionRef): Promise<void> {
    for (const d of this.byTarget.get(ref.target) ?? []) await d.prepare?.(ref);
  }

  /** Inside the transaction; pushes each driver's result into `applied` as it goes (so a later failure can undo the earlier ones). */
  async apply(change: TargetChange, tx: EntityManager, applied: AppliedChange[]): Promise<void> {
    for (const d of this.byTarget.get(change.deployment.target) ?? []) applied.push(await d.apply(change, tx));
  }

  /** The transaction failed after `apply`: put the targets back, newest first (best effort, logged). */
  async undo(applied: AppliedChange[]): Promise<void> {
    for (const a of [...applied].reverse())
      await a
        .undo?.()
        .catch((e: unknown) => this.logger.error(`undoing a target change failed: ${(e as Error).message}`));
  }

  afterCommit(applied: AppliedChange[]): void {
    for (const a of applied) a.afterCommit?.();
  }
}
