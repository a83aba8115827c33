import { Injectable } from '@nestjs/common';
import { type DomainEventPayload, OnDomainEvent } from '../common/events';
import { PredictionService } from './prediction.service';

/**
 * What serves a model changed (a deploy, rollback, undeploy, a challenger added): cached
 * resolutions of the model go at once — the publisher awaits this, so its response never goes
 * out before the next prediction sees the change — and the version that now serves is loaded
 * in the background (fire and forget: a failed warm-up only means the first request loads it).
 */
@Injectable()
export class DeploymentChangeListener {
  constructor(private readonly prediction: PredictionService) {}

  @OnDomainEvent('deployment.changed')
  onDeploymentChanged(event: DomainEventPayload<'deployment.changed'>): void {
    this.prediction.invalidate(event.modelId);
    // What is new: the challenger just added, else the target's active version (none after an undeploy).
    const load = event.change === 'challenger_added' ? event.challengerVersion : event.activeVersion;
    if (load !== null) void this.prediction.warm(event.modelId, load).catch(() => undefined);
  }
}
