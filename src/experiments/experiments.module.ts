import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module';
import { RunArtifactFiles } from './artifacts/run-artifact-files';
import { ExperimentCatalogService } from './experiment-catalog.service';
import { ExperimentsController } from './experiments.controller';
import { ExperimentsService } from './experiments.service';
import { MlflowApiController } from './mlflow/mlflow-api.controller';
import { MlflowApiService } from './mlflow/mlflow-api.service';
import { MlflowHttpClient } from './mlflow/mlflow-http-client';
import { MlflowMirror } from './mlflow/mlflow-mirror';
import { ExperimentsTrainingEventsSubscriber } from './training-events.subscriber';
import { ExperimentsRepository } from './repositories/experiments.repository';
import { MlflowSyncRepository } from './repositories/mlflow-sync.repository';
import { RunMetricsRepository } from './repositories/run-metrics.repository';
import { RunsRepository } from './repositories/runs.repository';
import { SqlExperimentsRepository } from './repositories/sql-experiments.repository';
import { SqlRunMetricsRepository } from './repositories/sql-run-metrics.repository';
import { SqlRunsRepository } from './repositories/sql-runs.repository';
import { RunLifecycleService } from './runs/run-lifecycle.service';
import { RunMetricsService } from './runs/run-metrics.service';
import { RunReaderService } from './runs/run-reader.service';

/** The repositories are bound by their abstract classes, so tests can swap them (see repositories/testing). */
const repositories = [
  { provide: ExperimentsRepository, useClass: SqlExperimentsRepository },
  { provide: RunsRepository, useClass: SqlRunsRepository },
  { provide: RunMetricsRepository, useClass: SqlRunMetricsRepository },
  MlflowSyncRepository,
];

@Module({
  imports: [ModelsModule],
  controllers: [ExperimentsController, MlflowApiController],
  providers: [
    ...repositories,
    ExperimentCatalogService,
    RunReaderService,
    RunLifecycleService,
    RunMetricsService,
    ExperimentsService,
    RunArtifactFiles,
    MlflowHttpClient,
    MlflowMirror,
    MlflowApiService,
    ExperimentsTrainingEventsSubscriber,
  ],
  exports: [ExperimentsService],
})
export class ExperimentsModule {}
