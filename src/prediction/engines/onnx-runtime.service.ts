import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '../../config/app-config';
import { ReadinessChecks } from '../../health/readiness-checks';
import { onnxRuntimeInstalled, OrtPool } from '../../ml/onnx';

export interface EngineStatus {
  policy: AppConfig['predictionEngine'];
  onnxruntime: { installed: boolean; version?: string; reason?: string; threads: number; started: boolean };
}

/**
 * The process's ONNX Runtime: a pool of PREDICTION_THREADS worker threads, started on the
 * first model that needs it and closed with the application. Absent (onnxruntime-node not
 * installed), versions with TensorFlow.js files are served by tfjs and imported ONNX-only
 * versions answer 503.
 */
@Injectable()
export class OnnxRuntimeService implements OnModuleDestroy {
  private readonly logger = new Logger('OnnxRuntime');
  private pool: OrtPool | undefined;
  private starting: Promise<OrtPool> | undefined;
  readonly installed = onnxRuntimeInstalled();
  /** Filled in by the prediction service: what each loaded version runs on. */
  loadedReport: () => unknown[] = () => [];

  constructor(
    private readonly config: AppConfig,
    readiness: ReadinessChecks,
    indicators: HealthIndicatorService,
  ) {
    // Up either way: a missing ONNX Runtime degrades serving to tfjs, it does not make the pod unready.
    readiness.register(() =>
      Promise.resolve(indicators.check('prediction_engine').up({ ...this.status(), loaded: this.loadedReport() })),
    );
  }

  get available(): boolean {
    return this.installed.installed;
  }

  status(): EngineStatus {
    const i = this.installed;
    return {
      policy: this.config.predictionEngine,
      onnxruntime: {
        installed: i.installed,
        ...(i.installed ? { version: i.version } : { reason: i.reason }),
        threads: this.config.predictionThreads,
        started: this.pool !== undefined,
      },
    };
  }

  /** The pool, started on first use. */
  async get(): Promise<OrtPool> {
    if (this.pool) return this.pool;
    if (!this.available) throw new Error((this.installed as { reason: string }).reason);
    this.starting ??= (async () => {
      const pool = new OrtPool({ threads: this.config.predictionThreads, intraOpThreads: 1 });
      try {
        await pool.ready();
      } catch (e) {
        await pool.close();
        this.starting = undefined;
        throw e;
      }
      this.pool = pool;
      this.logger.log(
        { threads: pool.size },
        `ONNX Runtime ${this.installed.installed ? this.installed.version : ''} started in ${pool.size} worker thread(s)`,
      );
      return pool;
    })();
    return this.starting;
  }

  async onModuleDestroy(): Promise<void> {
    const pool = this.pool ?? (await this.starting?.catch(() => undefined));
    this.pool = undefined;
    this.starting = undefined;
    await pool?.close();
  }
}
