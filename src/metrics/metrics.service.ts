import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { getTf } from '../ml/backend/tf';
import { TrainingService } from '../training/training.service';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The service's Prometheus metrics. One registry per application instance (not prom-client's
 * global one), so several apps in one process — tests — never collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  /** Requests answered 429 by the per-API-key rate limiter (they are also in http_requests_total with status 429). */
  readonly httpThrottled = new Counter({
    name: 'http_requests_throttled_total',
    help: 'HTTP requests rejected by the rate limiter, by method and route',
    labelNames: ['method', 'route'],
    registers: [this.registry],
  });
  readonly predictLatency = new Histogram({
    name: 'prediction_latency_seconds',
    help: 'Prediction latency (validation, batching, forward pass) by model',
    labelNames: ['model_id'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly predictBatchSize = new Histogram({
    name: 'prediction_batch_size',
    help: 'Windows per forward pass after micro-batching',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });
  /** A shadow challenger's scorings: scored, failed, or shed (never run: the serving path left no room; see shadow-lane.ts). */
  readonly shadowScorings = new Counter({
    name: 'prediction_shadow_scorings_total',
    help: 'Shadow challenger scorings by outcome: scored, failed, or shed (not run, the serving path was saturated)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly modelCache = new Counter({
    name: 'prediction_model_cache_events_total',
    help: 'Model cache hits, misses, loads and evictions',
    labelNames: ['event'],
    registers: [this.registry],
  });
  readonly backendInfo = new Gauge({
    name: 'ml_backend_info',
    help: 'The TensorFlow.js backend in use (value 1)',
    labelNames: ['backend'],
    registers: [this.registry],
  });
  /** Live tfjs tensors on the main thread (prediction; training runs in its own thread). Flat under steady load, else a leak. */
  readonly tensors = new Gauge({
    name: 'ml_tensors',
    help: 'TensorFlow.js tensors alive on the main thread (prediction models and in-flight batches; training threads not included)',
    registers: [this.registry],
    collect() {
      this.set(getTf().memory().numTensors);
    },
  });

  constructor(training: TrainingService) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'training_jobs',
      help: 'Training jobs by status',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          // Through the training module, which owns the jobs (no SQL on its table here).
          const rows = await training.countByStatus();
          for (const status of ['queued', 'running', 'succeeded', 'failed', 'cancelled'])
            this.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
        } catch {
          /* database down: the gauge is left empty rather than failing the scrape */
        }
      },
    });
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  observeThrottled(method: string, route: string): void {
    this.httpThrottled.inc({ method, route });
  }

  setBackend(name: string): void {
    this.backendInfo.reset();
    this.backendInfo.set({ backend: name }, 1);
  }
}
