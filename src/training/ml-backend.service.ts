import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config';
import { takeEarlyTfBackend, tfBackendOptions } from '../early-start';
import { ReadinessChecks } from '../health/readiness-checks';
import { MetricsService } from '../metrics/metrics.service';
import { adapterLabel, initTfBackend, type TfBackendSelection } from '../ml';
import { backendReport } from './backend-report';

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
    readiness.register(() => {
      const indicator = indicators.check('ml_backend');
      return Promise.resolve(
        this.selection
          ? indicator.up(this.describe())
          : indicator.down({ message: 'no TensorFlow.js backend initialised' }),
      );
    });
  }

  async onModuleInit(): Promise<void> {
    // npm start began it before loading the service's modules (early-start.ts).
    this.selection = await (takeEarlyTfBackend(this.config) ??
      initTfBackend(this.config.tfBackend, tfBackendOptions(this.config)));
    this.metrics.setBackend(this.selection.name);
    const adapter = this.selection.adapter ? `, adapter: ${adapterLabel(this.selection.adapter)}` : '';
    const engine = this.selection.engine;
    const engineLine = engine
      ? `; LSTM/GRU engine: ${engine.name}${engine.kernels ? ` (${engine.kernels})` : ''}${engine.reason ? ` — ${engine.reason}` : ''}`
      : '';
    this.logger.log(
      { ml_backend: this.describe() },
      `TensorFlow.js backend: ${this.selection.name} (TF_BACKEND=${this.config.tfBackend}${adapter})${engineLine}`,
    );
    if (this.selection.adapter?.software) {
      this.logger.warn(
        `WebGPU runs on a software adapter (${adapterLabel(this.selection.adapter)}): results are correct but training is slower than on the CPU backends`,
      );
    }
  }

  get name(): string {
    return this.selection?.name ?? 'uninitialised';
  }

  describe(): Record<string, unknown> {
    const s = this.selection;
    if (!s) return {};
    return { ...backendReport(s), requested: this.config.tfBackend, skipped: s.skipped };
  }
}
