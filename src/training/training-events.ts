import { Injectable, Logger } from '@nestjs/common';

/** What a job of a sweep carries in its request (`request.sweep`): the sweep, and its trial number for trials. */
export interface SweepJobRef {
  sweep_id: string;
  parent_run_id: string;
  /** Set for a trial (validation only: no test scoring, no registered version); absent for the sweep's winner. */
  trial?: number;
}

/** One epoch (episode, for agents) of a job, as logged to its run. */
export interface JobEpochEvent {
  job_id: string;
  run_id: string | null;
  epoch: number;
  values: Record<string, number | null | undefined>;
  sweep?: SweepJobRef;
}

/** A job reached a final state in this process. */
export interface JobFinishedEvent {
  job_id: string;
  run_id: string | null;
  status: 'succeeded' | 'failed' | 'cancelled';
  error?: string | null;
  /** A sweep trial's per-epoch validation (and training) curves. */
  history?: Record<string, number[]>;
  sweep?: SweepJobRef;
}

type Listener<E> = (event: E) => void;

/**
 * Typed events of the training worker, for modules that react to jobs (sweeps) without
 * training calling them back. Listeners run synchronously and must not throw: they start
 * their own async work and keep its errors.
 */
@Injectable()
export class TrainingEvents {
  private readonly logger = new Logger('TrainingEvents');
  private readonly epochListeners: Array<Listener<JobEpochEvent>> = [];
  private readonly finishedListeners: Array<Listener<JobFinishedEvent>> = [];

  onEpoch(listener: Listener<JobEpochEvent>): void {
    this.epochListeners.push(listener);
  }

  onFinished(listener: Listener<JobFinishedEvent>): void {
    this.finishedListeners.push(listener);
  }

  epoch(event: JobEpochEvent): void {
    this.emit(this.epochListeners, event);
  }

  finished(event: JobFinishedEvent): void {
    this.emit(this.finishedListeners, event);
  }

  private emit<E>(listeners: Array<Listener<E>>, event: E): void {
    for (const l of listeners) {
      try {
        l(event);
      } catch (e) {
        this.logger.error({ err: { message: (e as Error).message } }, 'a training event listener threw');
      }
    }
  }
}

/** The sweep reference of a job's stored request, if it belongs to a sweep. */
export function sweepRefOf(request: Record<string, unknown>): SweepJobRef | undefined {
  return (request as { sweep?: SweepJobRef }).sweep;
}
