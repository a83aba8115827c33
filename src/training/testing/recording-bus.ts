import type { DomainEventBus, DomainEventName, DomainEvents } from '../../common/events';
import type { InMemoryTrainingJobsRepository } from './in-memory-training-jobs.repository';

export interface PublishedEvent {
  name: DomainEventName;
  payload: DomainEvents[DomainEventName];
  /** The job's status at the moment of publishing: the ordering users rely on. */
  jobStatusThen: string | undefined;
}

/** A DomainEventBus for unit tests: records what was published (and when), can fail like a subscriber. */
export class RecordingBus {
  readonly published: PublishedEvent[] = [];
  /** Publishing this event rejects, as when one of its subscribers throws. */
  failOn: DomainEventName | null = null;

  constructor(private readonly jobs: InMemoryTrainingJobsRepository) {}

  publish<K extends DomainEventName>(name: K, payload: DomainEvents[K]): Promise<void> {
    const jobId = (payload as { jobId?: string }).jobId;
    this.published.push({ name, payload, jobStatusThen: jobId ? this.jobs.rows.get(jobId)?.status : undefined });
    return this.failOn === name ? Promise.reject(new Error(`a ${name} subscriber failed`)) : Promise.resolve();
  }

  names(): DomainEventName[] {
    return this.published.map((e) => e.name);
  }

  asBus(): DomainEventBus {
    return this as unknown as DomainEventBus;
  }
}
