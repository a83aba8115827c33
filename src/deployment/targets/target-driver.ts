import type { EntityManager } from 'typeorm';
import type { DeploymentNotifier } from '../notifications/deployment-notifier';
import type { Deployment, NotificationEvent } from '../entities';
import type { ModelsService } from '../../models/models.service';

/**
 * The extension point for what a deployment does outside this service's database (in the
 * style of twenty's storage drivers: one interface, one driver per kind, one factory that picks
 * them from configuration). A target (a name in DEPLOYMENT_TARGETS) has zero or more drivers:
 * a target without one is a record only (predict with `target` still serves it).
 *
 * The deployment service calls, for every change (deploy, replace, rollback, undeploy):
 *   1. `prepare` before its transaction, without the model's lock: slow, idempotent work
 *      (copying files). An error here (an AppError, shown in the envelope) leaves nothing recorded.
 *   2. `apply` inside the transaction, after the rows are written and while the model's row is
 *      locked (so changes of one model reach the driver one at a time): the quick switch. An
 *      error rolls the transaction back. It returns `undo`, called if the commit then fails,
 *      and `afterCommit`, called once the change is committed (background work: webhooks).
 */
export interface DeploymentTargetDriver {
  readonly kind: string;
  readonly target: string;
  /** What this driver does for its target, for logs and docs (no secrets). */
  describe(): TargetDescription;
  prepare?(version: VersionRef): Promise<void>;
  apply(change: TargetChange, tx: EntityManager): Promise<AppliedChange>;
}

export interface TargetDescription {
  kind: string;
  target: string;
  [detail: string]: unknown;
}

export interface VersionRef {
  modelId: string;
  version: string;
  target: string;
}

export interface TargetChange {
  /** deploy (nothing was active), replace, rollback, or undeploy (`deployment` is the ended one). */
  event: NotificationEvent;
  deployment: Deployment;
  /** The deployment this change ended (replace, rollback); null for deploy and undeploy. */
  previous: Deployment | null;
  at: Date;
}

export interface AppliedChange {
  afterCommit?(): void;
  undo?(): Promise<void>;
}

/** What drivers may use from the deployment module (one field per dependency a driver needs). */
export interface TargetDriverDeps {
  models: ModelsService;
  notifier: DeploymentNotifier;
}

/**
 * One kind of target: its configuration variable (`target=value,…`, the style of
 * DEPLOYMENT_NOTIFY_URLS), how a value is checked, and how a driver is made from it. Register
 * it in target-registry.ts (one line).
 */
export interface TargetDriverDefinition<C = unknown> {
  kind: string;
  /** The environment variable listing `target=value` pairs (documented in the README's table). */
  variable: string;
  /** What the value of a pair is, for messages: `target=url`. */
  valueName: string;
  /** One sentence for the Swagger docs and the README: what a target of this kind does. */
  summary: string;
  /** The parsed configuration of one target, or the problem with its value (no secrets in it). */
  parse(value: string, target: string): { config: C } | { problem: string };
  /** Problems across every target of this kind (e.g. two targets sharing a directory). */
  check?(configs: Record<string, C>): string[];
  create(target: string, config: C, deps: TargetDriverDeps): DeploymentTargetDriver;
}
