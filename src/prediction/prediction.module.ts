import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { FeaturesModule } from '../features/features.module';
import { ModelsModule } from '../models/models.module';
import { ChallengerRouter } from './challenger-router';
import { DeploymentChangeListener } from './deployment-change.listener';
import { DeploymentLookupPort, RegistryDeploymentLookup } from './deployment-lookup';
import { OnnxRuntimeService } from './engines/onnx-runtime.service';
import { LoadedModels } from './loaded-models';
import { ModelLoader } from './model-loader';
import { ModelImportController } from './import/model-import.controller';
import { ModelImportService } from './import/model-import.service';
import { PredictionController } from './prediction.controller';
import { PREDICTION_OPTIONS, predictionOptionsFrom } from './prediction.options';
import { PredictionRunner } from './prediction-runner';
import { PredictionService } from './prediction.service';
import { VersionResolver } from './version-resolver';
import { WindowBuilder } from './window-builder';

/**
 * Serving models: POST /api/v1/models/{model_id}/predict. Exports PredictionService
 * (predict, predictBatch, resolveVersion, warm, invalidate, evict).
 *
 * Deployments: prediction owns the DeploymentLookup port and never imports the deployment
 * module. The deployment module hands its lookup to the exported DeploymentLookupPort when it
 * is instantiated; without one the registry answers (deployed versions = status 'deployed', no
 * targets). It tells prediction about changes with the 'deployment.changed' event
 * (DeploymentChangeListener).
 */
@Module({
  imports: [ModelsModule, FeaturesModule],
  controllers: [PredictionController, ModelImportController],
  providers: [
    PredictionService,
    VersionResolver,
    LoadedModels,
    WindowBuilder,
    PredictionRunner,
    ChallengerRouter,
    DeploymentChangeListener,
    ModelLoader,
    OnnxRuntimeService,
    ModelImportService,
    RegistryDeploymentLookup,
    DeploymentLookupPort,
    {
      provide: PREDICTION_OPTIONS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => predictionOptionsFrom(config),
    },
  ],
  exports: [PredictionService, DeploymentLookupPort],
})
export class PredictionModule {}
