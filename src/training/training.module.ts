import { Module } from '@nestjs/common';
import { ExperimentsModule } from '../experiments/experiments.module';
import { FeaturesModule } from '../features/features.module';
import { ModelsModule } from '../models/models.module';
import { MlBackendService } from './ml-backend.service';
import { TrainingQueue } from './queue/training-queue';
import { TrainingController } from './training.controller';
import { TrainingRunner } from './training.runner';
import { TrainingService } from './training.service';
import { TrainingEvents } from './training-events';
import { JobThreads } from './job-threads';
import { SqlTrainingJobsRepository, TrainingJobsRepository } from './training-jobs.repository';
import { FoldJobsRepository } from './walk-forward/fold-jobs.repository';
import { FoldRunner } from './walk-forward/fold-runner';
import { WalkForwardJobs } from './walk-forward/walk-forward-jobs';

@Module({
  imports: [FeaturesModule, ModelsModule, ExperimentsModule],
  controllers: [TrainingController],
  providers: [
    MlBackendService,
    TrainingQueue,
    TrainingService,
    TrainingRunner,
    TrainingEvents,
    JobThreads,
    FoldJobsRepository,
    WalkForwardJobs,
    FoldRunner,
    { provide: TrainingJobsRepository, useClass: SqlTrainingJobsRepository },
  ],
  exports: [TrainingService, MlBackendService, TrainingEvents, TrainingQueue],
})
export class TrainingModule {}
