import { Module } from '@nestjs/common';
import { AliasesController } from './aliases/aliases.controller';
import { AliasesService } from './aliases/aliases.service';
import { ARTIFACT_PROVIDERS, ModelArtifacts } from './artifacts';
import { ModelsController } from './models.controller';
import { ModelsService } from './models.service';
import { ModelsRepository } from './registry/models.repository';
import { PgModelsRepository } from './registry/pg-models.repository';
import { VersionAnnotations } from './version-annotations';

@Module({
  controllers: [ModelsController, AliasesController],
  providers: [
    ModelsService,
    { provide: ModelsRepository, useClass: PgModelsRepository },
    VersionAnnotations,
    AliasesService,
    ...ARTIFACT_PROVIDERS,
  ],
  exports: [ModelsService, ModelArtifacts, VersionAnnotations, AliasesService],
})
export class ModelsModule {}
