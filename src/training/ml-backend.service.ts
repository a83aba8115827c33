import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config';
import { ReadinessChecks } from '../health/readiness-checks';
import { MetricsService } from '../metrics/metrics.service';
import { initTfBackend, type TfBackendSelection } from '../ml';

/**
 * The TensorFlow.js backend of this process, chosen once at start from TF_BACKEND and
 * reported in the startup log and /health/ready. A backend named explicitly that cannot
 * load stops the start (no silent fallback). Training threads choose the same way, and
 * every job and model version records the backend it actually ran on.
 */
@Injectable()
export class MlBackendService implements OnModuleInit {
  private readonly logger = new Logger('MlBackend');
  private selection: TfBackendSelection | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    readiness: ReadinessChecks,
    indicators: HealthIndicatorService,
  ) {
    readiness.register(async () => {
      const indicator = indicators.check('ml_backend');
      return this.selection ? indicator.up(this.describe()) : indicator.down({ message: 'no TensorFlow.js backend initialised' });
    });
  }

  async onModuleInit(): Promise<void> {
    this.selection = await initTfBackend(this.config.tfBackend, { cudaVisibleDevices: this.config.cudaVisibleDevices });
    this.metrics.setBackend(this.selection.name);
    this.logger.log({ ml_backend: this.describe() }, `TensorFlow.js backend: ${this.selection.name} (TF_BACKEND=${this.config.tfBackend})`);
  }

  get name(): string {
    return this.selection?.name ?? 'uninitialised';
  }

  describe(): Record<string, unknown> {
    const s = this.selection;
    if (!s) return {};
    return { name: s.name, requested: this.config.tfBackend, version: s.version, simd: s.simd, threads: s.threads, matmul_patched: s.matMulPatched, skipped: s.skipped };
  }
}
