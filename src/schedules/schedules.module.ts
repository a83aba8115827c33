import { Module } from '@nestjs/common';
import { DeploymentModule } from '../deployment/deployment.module';
import { ExperimentsModule } from '../experiments/experiments.module';
import { FeaturesModule } from '../features/features.module';
import { MarketDataModule } from '../market-data/market-data.module';
import { ModelsModule } from '../models/models.module';
import { TrainingModule } from '../training/training.module';
import { Promotion } from './promotion';
import { ScheduleQueue } from './schedule-queue';
import { SchedulesController } from './schedules.controller';
import { SchedulesRepository } from './schedules.repository';
import { SchedulesService } from './schedules.service';
import { ShadowDeploy } from './shadow';

/** Scheduled retraining (issue #16): schedules per model, fired by pg-boss's cron, runs as ordinary training jobs; on success a run may deploy (deploy_if_better) or shadow the new version through the deployment module's services. */
@Module({
  imports: [TrainingModule, ModelsModule, FeaturesModule, DeploymentModule, ExperimentsModule, MarketDataModule],
  controllers: [SchedulesController],
  providers: [SchedulesRepository, ScheduleQueue, Promotion, ShadowDeploy, SchedulesService],
})
export class SchedulesModule {}
