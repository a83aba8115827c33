import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { BufferedFlush } from '../buffered-flush';
import { DEPLOYMENT_OPTIONS, type DeploymentOptions } from '../deployment-options';
import { DeploymentRepository } from '../deployments/deployment.repository';
import type { PredictionEvent } from '../../prediction/deployment-lookup';
import type { PredictionRole } from '../entities';
import { type NewPrediction, PredictionRepository } from './prediction.repository';
import { nullIfNotFound, VersionTargets } from './version-targets';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Most predictions held in memory between flushes; beyond them new ones are dropped (and counted in the log). */
const MAX_BUFFERED = 200_000;
const RETENTION_SWEEP_MS = 3_600_000;

type Buffered = Omit<NewPrediction, 'model_id'>;

/**
 * Keeps every prediction served through a deployment for live scoring. `record` is on the
 * predict path: it only appends to an in-memory buffer (never awaits, never throws); a timer
 * writes the buffer every MONITORING_FLUSH_MS in multi-row INSERTs that skip a bar already
 * stored (the unique key), so a slow or failing database never slows or fails an answer.
 * Kept: regression predictions of a window built from stored bars (`as_of`), of a version
 * whose target is a return the service can recompute; a window sent as `features` has no bar
 * to score against. Best effort like monitoring: a failed flush keeps its rows for the next one.
 */
@Injectable()
export class PredictionRecorder implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('LivePerformance');
  private readonly pending: BufferedFlush<Buffered[]>;
  private lastSweep = 0;

  constructor(
    private readonly deployments: DeploymentRepository,
    private readonly repo: PredictionRepository,
    private readonly targets: VersionTargets,
    @Inject(DEPLOYMENT_OPTIONS) private readonly options: DeploymentOptions,
  ) {
    this.pending = new BufferedFlush<Buffered[]>({
      kind: {
        empty: () => [],
        size: (b) => b.length,
        merge: (older, newer) => older.concat(newer).slice(-MAX_BUFFERED),
      },
      intervalMs: options.monitoringFlushMs,
      ready: () => deployments.ready(),
      beforeFlush: () => this.sweep(),
      write: (batch) => this.write(batch),
      logger: this.logger,
      items: 'served predictions',
    });
  }

  onModuleInit(): void {
    this.pending.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.pending.stop();
  }

  record(deploymentId: string, event: PredictionEvent, role: PredictionRole = 'active'): void {
    if (
      !this.pending.accepting ||
      !event?.ok ||
      !event.served?.length ||
      typeof event.version !== 'string' ||
      !UUID.test(deploymentId)
    )
      return;
    const horizon = event.horizon;
    if (typeof horizon !== 'number' || !Number.isInteger(horizon) || horizon < 1) return;
    const now = new Date();
    for (const s of event.served) {
      if (s.as_of === null || typeof s.value !== 'number' || !Number.isFinite(s.value)) continue;
      if (this.pending.size >= MAX_BUFFERED) {
        this.pending.drop();
        continue;
      }
      this.pending.buffer.push({
        deployment_id: deploymentId,
        version: event.version,
        role,
        engine: String(event.engine ?? 'unknown').slice(0, 16),
        symbol: s.symbol,
        timeframe: s.timeframe,
        as_of: new Date(s.as_of),
        horizon,
        predicted: s.value,
        served_at: now,
      });
    }
  }

  /** Write everything buffered so far (serialised: one flush at a time). */
  flush(): Promise<void> {
    return this.pending.flush();
  }

  private async write(batch: Buffered[]): Promise<void> {
    const modelOf = await this.deployments.modelsOf([...new Set(batch.map((b) => b.deployment_id))]);
    const rows: NewPrediction[] = [];
    for (const b of batch) {
      const modelId = modelOf.get(b.deployment_id);
      if (!modelId) continue;
      // A version gone from the registry, or whose target is not a return: nothing to score it against.
      const target = await this.targets.get(modelId, b.version).catch(nullIfNotFound);
      if (!target) continue;
      rows.push({ ...b, model_id: modelId });
    }
    await this.repo.insert(rows);
  }

  /** Retention: at most once an hour, delete predictions served more than DEPLOYMENT_PREDICTION_RETENTION_DAYS ago. */
  private async sweep(): Promise<void> {
    const now = Date.now();
    if (now - this.lastSweep < RETENTION_SWEEP_MS) return;
    this.lastSweep = now;
    try {
      const deleted = await this.repo.deleteServedBefore(
        new Date(now - this.options.predictionRetentionDays * 86_400_000),
      );
      if (deleted)
        this.logger.log(
          `retention: deleted ${deleted} served predictions older than ${this.options.predictionRetentionDays} days`,
        );
    } catch (e) {
      this.logger.warn(`retention sweep of served predictions failed: ${(e as Error).message}`);
    }
  }
}
