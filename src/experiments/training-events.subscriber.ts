import { Injectable } from '@nestjs/common';
import { OnDomainEvent, type DomainEventPayload } from '../common/events';
import { ExperimentsService } from './experiments.service';

/**
 * A training job's run follows the job's events (training publishes them; it does not call
 * experiments back): an attempt starts the run, the job's end finishes it. Per-epoch metrics
 * stay a direct call (ExperimentsService.logMetrics, the tracking contract).
 */
@Injectable()
export class ExperimentsTrainingEventsSubscriber {
  constructor(private readonly experiments: ExperimentsService) {}

  @OnDomainEvent('training.job.started')
  async started(e: DomainEventPayload<'training.job.started'>): Promise<void> {
    // A retry starts the run's history afresh (steps from 0 again), tagged with its attempt.
    if (e.runId) await this.experiments.startAttempt(e.runId, e.attempt);
  }

  @OnDomainEvent('training.job.succeeded')
  async succeeded(e: DomainEventPayload<'training.job.succeeded'>): Promise<void> {
    if (!e.runId) return;
    const r = e.result;
    // A sweep trial: its run's metrics are the best validation values of its curves.
    if (!r) return this.experiments.finishRun(e.runId, 'FINISHED', { metrics: bestOfHistory(e.trialHistory ?? {}) });
    await this.experiments.finishRun(e.runId, 'FINISHED', {
      metrics: numericMetrics(r.metrics),
      artifacts: r.artifactFiles.map((f) => `${e.modelId}/${e.version}/${f}`),
      tags: { ...(r.backend ? { backend: r.backend } : {}), data_fingerprint: r.dataFingerprint },
    });
  }

  @OnDomainEvent('training.job.failed')
  async failed(e: DomainEventPayload<'training.job.failed'>): Promise<void> {
    if (!e.runId) return;
    switch (e.reason) {
      case 'cancelled':
        return this.experiments.finishRun(e.runId, 'KILLED');
      case 'interrupted':
        return this.experiments.finishRun(e.runId, 'FAILED');
      case 'failed':
        return this.experiments.finishRun(e.runId, 'FAILED', { tags: { error: (e.error ?? '').slice(0, 250) } });
    }
  }

  @OnDomainEvent('training.job.requeued')
  async requeued(e: DomainEventPayload<'training.job.requeued'>): Promise<void> {
    if (e.runId) await this.experiments.setStatus(e.runId, 'SCHEDULED');
  }
}

/** A trial's run metrics: the best validation value of each curve (lowest loss, highest return). */
function bestOfHistory(history: Record<string, number[]>): Record<string, number> {
  const out: Record<string, number> = {};
  const finite = (k: string) => (history[k] ?? []).filter((v) => Number.isFinite(v));
  if (finite('val_loss').length) out.val_loss = Math.min(...finite('val_loss'));
  if (finite('val_return').length) out.val_return = Math.max(...finite('val_return'));
  return out;
}

/** A version's metrics as run metrics: the numbers, and the backtest's as `backtest_<name>`. */
function numericMetrics(metrics: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  const bt = metrics.backtest as Record<string, unknown> | undefined;
  if (bt)
    for (const [k, v] of Object.entries(bt)) if (typeof v === 'number' && Number.isFinite(v)) out[`backtest_${k}`] = v;
  return out;
}
