import type { TfBackendDescription } from '../ml';

/**
 * A backend selection as the API reports it (snake_case): in /health/ready, and kept with
 * every training job and model version so a result can be traced to what computed it.
 */
export function backendReport(s: Partial<TfBackendDescription>): Record<string, unknown> {
  const adapter = s.adapter && {
    vendor: s.adapter.vendor,
    architecture: s.adapter.architecture,
    device: s.adapter.device,
    description: s.adapter.description,
    software: s.adapter.software,
    dawn_backend: s.adapter.dawnBackend,
    feature_level: s.adapter.featureLevel,
  };
  // The engine that computed LSTM/GRU layers: the native fused-rnn addon or tfjs-layers' cells.
  const engine = s.engine && {
    name: s.engine.name,
    requested: s.engine.requested,
    kernels: s.engine.kernels,
    threads: s.engine.threads,
    reason: s.engine.reason,
  };
  if (engine)
    for (const k of Object.keys(engine) as (keyof typeof engine)[]) if (engine[k] === undefined) delete engine[k];
  const report: Record<string, unknown> = {
    name: s.name,
    version: s.version,
    simd: s.simd,
    threads: s.threads,
    matmul_patched: s.matMulPatched,
    adapter,
    engine,
  };
  for (const k of Object.keys(report)) if (report[k] === undefined) delete report[k];
  return report;
}
