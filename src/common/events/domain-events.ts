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
  /**
   * A training job's attempt started (first run or a retry after an interrupted attempt).
   * Published, and awaited, before training begins: the version is `training` and the run
   * RUNNING on this attempt (a retry's run history starts afresh) before the first epoch logs.
   */
  'training.job.started': { jobId: string; modelId: string; version: string; runId: string | null; attempt: number };
  /**
   * A training job finished. Published, and awaited, before the job itself reads `succeeded`:
   * whoever sees a job done finds its version and run final too.
   */
  'training.job.succeeded': {
    jobId: string;
    modelId: string;
    version: string;
    runId: string | null;
    /** How long this attempt took, from its start to the artifacts written. */
    durationMs: number;
    /** A registered version's result; null for a sweep trial (no version, no artifacts, no test metrics). */
    result: TrainedVersionResult | null;
    /** A sweep trial's validation (and training) curves; null otherwise. */
    trialHistory: Record<string, number[]> | null;
  };
  /**
   * A training job failed for good (an error, or every attempt interrupted: no retry left) or
   * was cancelled. Published, and awaited, before the job reads failed/cancelled.
   */
  'training.job.failed': {
    jobId: string;
    modelId: string;
    version: string;
    runId: string | null;
    /** `interrupted`: its attempts all died with their worker (the dead-letter queue gave it up). */
    reason: 'failed' | 'interrupted' | 'cancelled';
    error: string | null;
    /** How long the failing attempt ran; null where no attempt ran here (interrupted, cancelled). */
    durationMs: number | null;
  };
  /**
   * A running job was handed back to the queue by a stopping worker (not an error): another
   * worker retries it. Its version is `queued` and its run SCHEDULED again until then.
   */
  'training.job.requeued': { jobId: string; modelId: string; version: string; runId: string | null };
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

/** What a succeeded training job produced for its version (stored by the registry). */
export interface TrainedVersionResult {
  /** Test-part metrics (numbers and nested reports such as `backtest`). */
  metrics: Record<string, unknown>;
  baselines: Record<string, unknown>;
  splits: Record<string, unknown> | null;
  walkForward: Record<string, unknown> | null;
  significance: Record<string, unknown> | null;
  dataFingerprint: string;
  backend: string | null;
  backendDetails: Record<string, unknown> | null;
  artifactChecksum: string;
  /** The version's artifact files, relative to its directory (model/model.json, metrics.json, …). */
  artifactFiles: string[];
  trainedAt: Date;
}
