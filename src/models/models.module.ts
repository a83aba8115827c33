import { Module } from '@nestjs/common';
import { ARTIFACT_PROVIDERS, ArtifactStore } from './artifacts';
import { ModelsController } from './models.controller';
import { ModelsService } from './models.service';

@Module({
  controllers: [ModelsController],
  providers: [ModelsService, ...ARTIFACT_PROVIDERS],
  exports: [ModelsService, ArtifactStore],
})
export class ModelsModule {}
