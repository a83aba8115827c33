import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { FeaturesModule } from '../features/features.module';
import { ModelsModule } from '../models/models.module';
import { RegistryDeploymentLookup } from './deployment-lookup';
import { OnnxRuntimeService } from './engines/onnx-runtime.service';
import { ModelLoader } from './model-loader';
import { ModelImportController } from './import/model-import.controller';
import { ModelImportService } from './import/model-import.service';
import { PredictionController } from './prediction.controller';
import { PREDICTION_OPTIONS, predictionOptionsFrom } from './prediction.options';
import { PredictionService } from './prediction.service';

/**
 * Serving models: POST /api/v1/models/{model_id}/predict. Exports PredictionService
 * (predict, predictBatch, resolveVersion, warm, invalidate, evict).
 *
 * Deployments: a provider of DEPLOYMENT_LOOKUP anywhere in the application (the deployment
 * module's) is picked up at bootstrap; without one the registry answers (deployed versions
 * = status 'deployed', no targets).
 */
@Module({
  imports: [ModelsModule, FeaturesModule],
  controllers: [PredictionController, ModelImportController],
  providers: [
    PredictionService,
    ModelLoader,
    OnnxRuntimeService,
    ModelImportService,
    RegistryDeploymentLookup,
    {
      provide: PREDICTION_OPTIONS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => predictionOptionsFrom(config),
    },
  ],
  exports: [PredictionService],
})
export class PredictionModule {}
