import type { ModelArtifacts } from '../models/artifacts';
import type { RunArtifactFiles } from './artifacts/run-artifact-files';
import { ExperimentCatalogService } from './experiment-catalog.service';
import { ExperimentsService } from './experiments.service';
import { InMemoryExperimentStore } from './repositories/testing/in-memory-store';
import { RunLifecycleService } from './runs/run-lifecycle.service';
import { RunMetricsService } from './runs/run-metrics.service';
import { RunReaderService } from './runs/run-reader.service';

/**
 * ExperimentsService wired as the module wires it, on the in-memory repositories, without the
 * MLflow mirror and without artifact files (the unit tests do not open any).
 */
export function inMemoryExperimentsService(): { service: ExperimentsService; store: InMemoryExperimentStore } {
  const store = new InMemoryExperimentStore();
  const catalog = new ExperimentCatalogService(store.experiments);
  const reader = new RunReaderService(store.runs, store.metrics, catalog);
  const lifecycle = new RunLifecycleService(store.runs, reader, catalog);
  const metrics = new RunMetricsService(store.metrics, reader);
  const noFiles = {} as ModelArtifacts & RunArtifactFiles;
  return { service: new ExperimentsService(catalog, reader, lifecycle, metrics, noFiles, noFiles), store };
}
