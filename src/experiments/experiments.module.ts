import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module';
import { RunArtifactFiles } from './artifacts/run-artifact-files';
import { ExperimentsController } from './experiments.controller';
import { ExperimentsService } from './experiments.service';
import { MlflowApiController } from './mlflow/mlflow-api.controller';
import { MlflowApiService } from './mlflow/mlflow-api.service';
import { MlflowHttpClient } from './mlflow/mlflow-http-client';
import { MlflowMirror } from './mlflow/mlflow-mirror';
import { ExperimentsTrainingEventsSubscriber } from './training-events.subscriber';

@Module({
  imports: [ModelsModule],
  controllers: [ExperimentsController, MlflowApiController],
  providers: [
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
