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
   * What serves a model changed: a deployment was created, rolled back, undeployed or
   * promoted, or a challenger was added or removed. Prediction drops what it cached for the
   * model and warms `version` (the version now active on some target, when there is one).
   */
  'deployment.changed': {
    modelId: string;
    deploymentId: string | null;
    change: 'deployed' | 'rolled_back' | 'undeployed' | 'promoted' | 'challenger_added' | 'challenger_removed';
    activeVersion: string | null;
    challengerVersion: string | null;
  };
}

export type DomainEventName = keyof DomainEvents;
