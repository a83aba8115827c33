import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { TERMINAL_RUN_STATUSES } from '../entities/run.entity';
import { MlflowSyncRepository } from '../repositories/mlflow-sync.repository';
import { MlflowCallError, MlflowHttpClient } from './mlflow-http-client';

/** MLflow's log-batch limits (REST API docs, runs/log-batch). */
export const LOG_BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000 } as const;
const PARAM_VALUE_MAX = 6000;
const TAG_VALUE_MAX = 8000;
/** Changes to one run within this window are sent together (epochs arrive fast). */
const DEBOUNCE_MS = 200;
/** A run that cannot be read yet (its creating transaction has not committed) is looked up this often. */
const MISSING_RETRIES = 5;
const MAX_BACKOFF_MS = 5 * 60_000;

interface Slot {
  timer?: NodeJS.Timeout;
  running: boolean;
  dirty: boolean;
  attempt: number;
  missing: number;
  markedPending: boolean;
}

type KV = { key: string; value: string };
type MetricOut = { key: string; value: number; timestamp: number; step: number };

/**
 * Mirrors every run to the MLflow tracking server at EXPERIMENT_TRACKING_URI, in the background:
 * `experiments/get-by-name` (+ `create`), `runs/create`, `runs/log-batch` (chunked to MLflow's
 * limits) and `runs/update` with the final status and end time.
 *
 * - `notify(runId)` is all a writer calls: synchronous, never throws, never waits for MLflow.
 * - Per run, passes are serialised; changes that arrive during a pass cause one more pass.
 * - A failed call (unreachable, timeout, 5xx, 429) is retried with exponential backoff
 *   (EXPERIMENT_TRACKING_BACKOFF_MS doubling, EXPERIMENT_TRACKING_RETRIES times); a 4xx answer
 *   or exhausted retries leave `mlflow_sync_state = 'failed'` with `mlflow_error`. The next
 *   change to the run tries again.
 * - Durable enough: a run is `pending` in the database until a pass succeeds; metric history is
 *   sent incrementally (`mlflow_metric_cursor`), and on start the worker resends runs left
 *   pending. Params and tags are resent on each pass (MLflow accepts an identical param again).
 * - A retried training job's attempt gets its own MLflow run (MLflow cannot delete metric
 *   history, and ours restarts at step 0): `startAttempt` moves the old `mlflow_run_id` to
 *   `mlflow_superseded_run_ids`; the next pass creates the new run (tag
 *   `mlwb.previous_attempt_run_id`) and ends each superseded one KILLED (tag `mlwb.superseded_by`).
 */
@Injectable()
export class MlflowMirror implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('MlflowMirror');
  private readonly slots = new Map<string, Slot>();
  private readonly experimentIds = new Map<string, Promise<string>>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly stop = new AbortController();
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly syncs: MlflowSyncRepository,
    private readonly config: AppConfig,
    private readonly client: MlflowHttpClient,
  ) {}

  get enabled(): boolean {
    return this.client.baseUrl !== null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.enabled && this.config.runsWorker)
      await this.resumePending().catch((e: Error) =>
        this.logger.warn(`could not resume pending MLflow syncs: ${e.message}`),
      );
  }

  onModuleDestroy(): Promise<void> {
    this.stop.abort();
    for (const slot of this.slots.values()) clearTimeout(slot.timer);
    this.slots.clear();
    return Promise.allSettled([...this.inflight]).then(() => undefined);
  }

  /** Queue every run left `pending` (by a stop or crash before its sync finished). */
  async resumePending(): Promise<number> {
    const rows = await this.syncs.pendingRunIds();
    for (const id of rows) this.notify(id, false);
    if (rows.length) this.logger.log(`resending ${rows.length} run(s) left pending to MLflow`);
    return rows.length;
  }

  /** The run changed: sync it soon. Never throws, never blocks the caller. */
  notify(runId: string, markPending = true): void {
    if (!this.enabled || this.stop.signal.aborted) return;
    const slot = this.slot(runId);
    // While a pass runs, a change may come after the row that pass read: mark it pending again
    // (once per pass), so that no reader sees `synced` before the pass that carries this change.
    if (markPending && (!slot.markedPending || (slot.running && !slot.dirty))) {
      slot.markedPending = true;
      this.track(this.syncs.markPending(runId));
    }
    if (slot.running) slot.dirty = true;
    else if (!slot.timer) this.schedule(runId, slot, DEBOUNCE_MS);
  }

  /** Resolves when no sync is queued or running (tests). */
  whenIdle(): Promise<void> {
    if (this.slots.size === 0 && this.inflight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private slot(runId: string): Slot {
    let slot = this.slots.get(runId);
    if (!slot) {
      slot = { running: false, dirty: false, attempt: 0, missing: 0, markedPending: false };
      this.slots.set(runId, slot);
    }
    return slot;
  }

  private schedule(runId: string, slot: Slot, delayMs: number): void {
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      this.track(this.process(runId, slot));
    }, delayMs);
    slot.timer.unref?.();
  }

  private track<T>(p: Promise<T>): void {
    const guarded = p.catch((e: Error) => this.logger.warn(`MLflow mirror: ${e.message}`));
    this.inflight.add(guarded);
    void guarded.finally(() => {
      this.inflight.delete(guarded);
      this.checkIdle();
    });
  }

  private checkIdle(): void {
    if (this.slots.size === 0 && this.inflight.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async process(runId: string, slot: Slot): Promise<void> {
    if (this.stop.signal.aborted) return;
    slot.running = true;
    slot.dirty = false;
    let retryIn: number | null = null;
    try {
      const outcome = await this.syncRun(runId, this.stop.signal, () => slot.dirty);
      if (outcome === 'missing') {
        slot.missing++;
        if (slot.missing <= MISSING_RETRIES) retryIn = this.config.experimentTrackingBackoffMs * slot.missing;
      } else {
        slot.attempt = 0;
        slot.markedPending = false;
      }
    } catch (e) {
      if (this.stop.signal.aborted) return;
      const err = e instanceof MlflowCallError ? e : new MlflowCallError((e as Error).message, null, null, true);
      const message = err.message.slice(0, 1000);
      if (err.retryable && slot.attempt < this.config.experimentTrackingRetries) {
        slot.attempt++;
        retryIn =
          Math.min(MAX_BACKOFF_MS, this.config.experimentTrackingBackoffMs * 2 ** (slot.attempt - 1)) *
          (0.8 + Math.random() * 0.4);
        await this.syncs.noteError(runId, `${message} (attempt ${slot.attempt}, retrying)`).catch(() => undefined);
        this.logger.warn(
          { run_id: runId, attempt: slot.attempt, retry_in_ms: Math.round(retryIn) },
          `MLflow sync failed, will retry: ${message}`,
        );
      } else {
        slot.attempt = 0;
        slot.markedPending = false;
        await this.syncs.markFailed(runId, message).catch(() => undefined);
        this.logger.error({ run_id: runId }, `MLflow sync failed: ${message}`);
      }
    } finally {
      slot.running = false;
    }
    if (this.stop.signal.aborted) return;
    if (retryIn !== null) this.schedule(runId, slot, retryIn);
    else if (slot.dirty) this.schedule(runId, slot, DEBOUNCE_MS);
    else this.slots.delete(runId);
  }

  /** One pass: everything the run has that MLflow does not, then its final state. */
  async syncRun(
    runId: string,
    signal?: AbortSignal,
    changedSince: () => boolean = () => false,
  ): Promise<'synced' | 'missing'> {
    const row = await this.syncs.readRun(runId);
    if (!row) return 'missing';
    let mlflowRunId = row.mlflow_run_id;
    const superseded = row.mlflow_superseded_run_ids ?? [];
    if (!mlflowRunId) {
      const experimentId = await this.experimentId(row.experiment_name, signal);
      // A retried training job's new attempt links to the MLflow run of the one it replaces.
      const previous = superseded.length
        ? [{ key: 'mlwb.previous_attempt_run_id', value: superseded[superseded.length - 1] }]
        : [];
      const created = await this.client.post<{ run?: { info?: { run_id?: string; run_uuid?: string } } }>(
        'runs/create',
        {
          experiment_id: experimentId,
          run_name: row.name,
          start_time: ms(row.start_time),
          tags: [{ key: 'mlflow.runName', value: row.name }, { key: 'mlwb.run_id', value: row.id }, ...previous],
        },
        signal,
      );
      mlflowRunId = created.run?.info?.run_id ?? created.run?.info?.run_uuid ?? null;
      if (!mlflowRunId)
        throw new MlflowCallError('MLflow runs/create answered without run.info.run_id', 200, null, false);
      await this.syncs.setMlflowRunId(runId, mlflowRunId);
    }
    // Interrupted attempts' MLflow runs end KILLED (idempotent: resent until recorded as done).
    if (superseded.length) {
      for (const old of superseded) {
        await this.client.post(
          'runs/log-batch',
          { run_id: old, metrics: [], params: [], tags: [{ key: 'mlwb.superseded_by', value: mlflowRunId }] },
          signal,
        );
        await this.client.post('runs/update', { run_id: old, status: 'KILLED', end_time: Date.now() }, signal);
      }
      await this.syncs.dropSuperseded(runId, superseded);
    }

    const params: KV[] = Object.entries(row.params ?? {}).map(([key, value]) => ({
      key,
      value: String(value).slice(0, PARAM_VALUE_MAX),
    }));
    const tags: KV[] = Object.entries({
      ...(row.tags ?? {}),
      ...(row.model_id ? { 'mlwb.model_id': row.model_id } : {}),
      ...(row.model_version ? { 'mlwb.model_version': row.model_version } : {}),
    }).map(([key, value]) => ({ key, value: String(value).slice(0, TAG_VALUE_MAX) }));
    const terminal = TERMINAL_RUN_STATUSES.includes(row.status);
    // Final metrics that have no history (evaluation results) are sent once the run has ended.
    let summary: MetricOut[] = [];
    if (terminal) {
      const withHistory = await this.syncs.keysWithHistory(runId);
      const at = ms(row.end_time ?? row.start_time);
      summary = Object.entries(row.metrics ?? {})
        .filter(([k, v]) => !withHistory.has(k) && typeof v === 'number' && Number.isFinite(v))
        .map(([key, value]) => ({ key, value, timestamp: at, step: 0 }));
    }

    let cursor = row.mlflow_metric_cursor ?? '0';
    let historyDone = false;
    for (;;) {
      const p = params.splice(0, LOG_BATCH_LIMITS.params);
      const t = tags.splice(0, LOG_BATCH_LIMITS.tags);
      let room = Math.min(LOG_BATCH_LIMITS.metrics, LOG_BATCH_LIMITS.total - p.length - t.length);
      const metrics: MetricOut[] = [];
      let lastId: string | null = null;
      if (!historyDone && room > 0) {
        const rows = await this.syncs.metricsAfter(runId, cursor, room);
        for (const r of rows) metrics.push({ key: r.key, value: r.value, timestamp: ms(r.timestamp), step: r.step });
        if (rows.length) lastId = rows[rows.length - 1].id;
        if (rows.length < room) historyDone = true;
        room -= rows.length;
      }
      if (historyDone && room > 0 && summary.length) metrics.push(...summary.splice(0, room));
      if (!p.length && !t.length && !metrics.length) break;
      await this.client.post('runs/log-batch', { run_id: mlflowRunId, metrics, params: p, tags: t }, signal);
      if (lastId) {
        cursor = lastId;
        // Only while the run still mirrors to this MLflow run (see advanceCursor).
        await this.syncs.advanceCursor(runId, cursor, mlflowRunId);
      }
    }
    if (terminal) {
      await this.client.post(
        'runs/update',
        { run_id: mlflowRunId, status: row.status, end_time: ms(row.end_time ?? new Date()) },
        signal,
      );
    }
    // A change that arrived during this pass (the run finished, a tag was set) is not in what was
    // sent: the row stays `pending` until the next pass, which `process` schedules, sends it.
    await this.syncs.passDone(runId, changedSince());
    return 'synced';
  }

  /** The MLflow experiment with our experiment's name, created there when missing (cached). */
  private experimentId(name: string, signal?: AbortSignal): Promise<string> {
    let id = this.experimentIds.get(name);
    if (!id) {
      id = this.lookupOrCreateExperiment(name, signal);
      this.experimentIds.set(name, id);
      id.catch(() => this.experimentIds.delete(name));
    }
    return id;
  }

  private async lookupOrCreateExperiment(name: string, signal?: AbortSignal): Promise<string> {
    const byName = async () => {
      try {
        const found = await this.client.get<{ experiment?: { experiment_id?: string } }>(
          'experiments/get-by-name',
          { experiment_name: name },
          signal,
        );
        return found.experiment?.experiment_id ?? null;
      } catch (e) {
        if (e instanceof MlflowCallError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null;
        throw e;
      }
    };
    const existing = await byName();
    if (existing) return existing;
    try {
      const created = await this.client.post<{ experiment_id?: string }>('experiments/create', { name }, signal);
      if (created.experiment_id) return created.experiment_id;
      throw new MlflowCallError('MLflow experiments/create answered without experiment_id', 200, null, false);
    } catch (e) {
      // Created by someone else in between: look it up again.
      if (e instanceof MlflowCallError && e.errorCode === 'RESOURCE_ALREADY_EXISTS') {
        const again = await byName();
        if (again) return again;
      }
      throw e;
    }
  }
}

function ms(d: Date | string | null): number {
  return d === null ? Date.now() : new Date(d).getTime();
}
