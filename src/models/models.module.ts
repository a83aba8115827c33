import { Module } from '@nestjs/common';
import { ARTIFACT_PROVIDERS, ArtifactStore } from './artifacts';
import { ModelsController } from './models.controller';
import { ModelsService } from './models.service';
import { TrialsRepository } from './trials/trials.repository';

@Module({
  controllers: [ModelsController],
  providers: [ModelsService, TrialsRepository, ...ARTIFACT_PROVIDERS],
  exports: [ModelsService, ArtifactStore],
})
export class ModelsModule {}
