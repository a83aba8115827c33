import { Module } from '@nestjs/common';
import { ARTIFACT_PROVIDERS, ArtifactStore } from './artifacts';
import { ModelsController } from './models.controller';
import { ModelsService } from './models.service';
import { TrialsRepository } from './trials/trials.repository';
import { VersionAnnotations } from './version-annotations';

@Module({
  controllers: [ModelsController],
  providers: [ModelsService, TrialsRepository, VersionAnnotations, ...ARTIFACT_PROVIDERS],
  exports: [ModelsService, ArtifactStore, VersionAnnotations],
})
export class ModelsModule {}
