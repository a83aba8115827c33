import { Injectable } from '@nestjs/common';
import { OnDomainEvent, type DomainEventPayload } from '../common/events';
import { ModelsService } from './models.service';

/**
 * The registry's side of a training job: the version's status follows the job's events
 * (training publishes them; it does not call the registry). A sweep trial's "version"
 * (`trial-N`) has no row, so its updates match nothing, as they always did.
 */
@Injectable()
export class ModelsTrainingEventsSubscriber {
  constructor(private readonly models: ModelsService) {}

  @OnDomainEvent('training.job.started')
  async started(e: DomainEventPayload<'training.job.started'>): Promise<void> {
    await this.models.setStatus(e.modelId, e.version, 'training');
  }

  @OnDomainEvent('training.job.succeeded')
  async succeeded(e: DomainEventPayload<'training.job.succeeded'>): Promise<void> {
    const r = e.result;
    if (!r) return; // a sweep trial registers no version
    await this.models.setStatus(e.modelId, e.version, 'experimental', {
      metrics: r.metrics,
      baselines: r.baselines,
      // With a test span in `significance`, the registry also counts this version as a trial on it.
      splits: r.splits,
      walk_forward: r.walkForward,
      significance: r.significance,
      data_fingerprint: r.dataFingerprint,
      backend: r.backend,
      backend_details: r.backendDetails,
      duration_ms: e.durationMs,
      artifact_checksum: r.artifactChecksum,
      trained_at: r.trainedAt,
      error: null,
    });
  }

  @OnDomainEvent('training.job.failed')
  async failed(e: DomainEventPayload<'training.job.failed'>): Promise<void> {
    if (e.reason === 'cancelled') return this.models.setStatus(e.modelId, e.version, 'cancelled');
    await this.models.setStatus(e.modelId, e.version, 'failed', {
      error: e.error,
      ...(e.durationMs === null ? {} : { duration_ms: e.durationMs }),
    });
  }

  @OnDomainEvent('training.job.requeued')
  async requeued(e: DomainEventPayload<'training.job.requeued'>): Promise<void> {
    await this.models.setStatus(e.modelId, e.version, 'queued');
  }
}
