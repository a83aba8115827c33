import { Module } from '@nestjs/common';
import { DeploymentModule } from '../deployment/deployment.module';
import { FeaturesModule } from '../features/features.module';
import { ModelsModule } from '../models/models.module';
import { TrainingModule } from '../training/training.module';
import { Promotion } from './promotion';
import { ScheduleQueue } from './schedule-queue';
import { SchedulesController } from './schedules.controller';
import { SchedulesRepository } from './schedules.repository';
import { SchedulesService } from './schedules.service';

/** Scheduled retraining (issue #16): schedules per model, fired by pg-boss's cron, runs as ordinary training jobs. */
@Module({
  imports: [TrainingModule, ModelsModule, FeaturesModule, DeploymentModule],
  controllers: [SchedulesController],
  providers: [SchedulesRepository, ScheduleQueue, Promotion, SchedulesService],
})
export class SchedulesModule {}
