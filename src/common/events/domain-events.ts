/**
 * The events modules tell each other about, instead of calling back into one another.
 * A module that owns a fact publishes it; modules that care subscribe with `@OnDomainEvent`.
 * The publisher never imports its subscribers, which is what breaks the training → models/
 * experiments and deployment ⇄ prediction back-and-forth (see ../../../README.md, "Layout").
 *
 * Add an event here (its name and payload), publish it from the module that owns the fact,
 * and subscribe where it matters. Payloads carry ids and values, never entities: a subscriber
 * reads what else it needs through the owning module's service.
 */
export interface DomainEvents {
  /** A training job's attempt started (first run or a retry after an interrupted attempt). */
  'training.job.started': { jobId: string; modelId: string; version: string; runId: string | null; attempt: number };
  /** A training job finished and its version's artifacts are written. */
  'training.job.succeeded': { jobId: string; modelId: string; version: string; runId: string | null };
  /** A training job failed for good (no retry left) or was cancelled. */
  'training.job.failed': {
    jobId: string;
    modelId: string;
    version: string;
    runId: string | null;
    reason: 'failed' | 'cancelled';
    error: string | null;
  };
  /** A model version was registered (its record exists and can be served once trained). */
  'models.version.registered': { modelId: string; version: string };
  /**
   * What serves a model changed: a deployment was made (a promotion is one), rolled back or
   * undeployed, or a challenger was added beside the active version (a plain deploy, rollback or
   * undeploy ends the challenger with its row). Prediction drops what it resolved for the model
   * (the deployment module awaits it: its response must not go out before) and loads in the
   * background the version that is new: the challenger when one was added, else `activeVersion`.
   */
  'deployment.changed': {
    modelId: string;
    deploymentId: string | null;
    change: 'deployed' | 'rolled_back' | 'undeployed' | 'challenger_added';
    /** The version active on the deployment's target after the change; null after an undeploy. */
    activeVersion: string | null;
    /** The challenger beside it after the change (set with challenger_added), else null. */
    challengerVersion: string | null;
  };
}

export type DomainEventName = keyof DomainEvents;
