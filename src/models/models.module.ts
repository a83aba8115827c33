import { Module } from '@nestjs/common';
import { AliasesController } from './aliases/aliases.controller';
import { AliasesService } from './aliases/aliases.service';
import { ARTIFACT_PROVIDERS, ArtifactStore } from './artifacts';
import { ModelHistoryRepository } from './history/model-history.repository';
import { ModelLock } from './model-lock';
import { ModelsController } from './models.controller';
import { ModelsService } from './models.service';
import { ModelsTrainingEventsSubscriber } from './training-events.subscriber';
import { TrialsRepository } from './trials/trials.repository';
import { VersionAnnotations } from './version-annotations';

@Module({
  controllers: [ModelsController, AliasesController],
  providers: [
    ModelsService,
    TrialsRepository,
    VersionAnnotations,
    AliasesService,
    ModelHistoryRepository,
    ...ARTIFACT_PROVIDERS,
    ModelLock,
    ModelsTrainingEventsSubscriber,
  ],
  exports: [ModelsService, ArtifactStore, VersionAnnotations, AliasesService, ModelLock],
})
export class ModelsModule {}
