import { Module } from '@nestjs/common';
import { AliasesController } from './aliases/aliases.controller';
import { AliasesService } from './aliases/aliases.service';
import { ARTIFACT_PROVIDERS, ModelArtifacts } from './artifacts';
import { ModelLock } from './model-lock';
import { ModelsController } from './models.controller';
import { ModelsService } from './models.service';
import { ModelsRepository } from './registry/models.repository';
import { PgModelsRepository } from './registry/pg-models.repository';
import { ModelsTrainingEventsSubscriber } from './training-events.subscriber';
import { VersionAnnotations } from './version-annotations';

@Module({
  controllers: [ModelsController, AliasesController],
  providers: [
    ModelsService,
    { provide: ModelsRepository, useClass: PgModelsRepository },
    VersionAnnotations,
    AliasesService,
    ...ARTIFACT_PROVIDERS,
    ModelLock,
    ModelsTrainingEventsSubscriber,
  ],
  exports: [ModelsService, ModelArtifacts, VersionAnnotations, AliasesService, ModelLock],
})
export class ModelsModule {}
