import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module';
import { ActiveDeploymentCache } from './active-deployment.cache';
import { DeploymentLookupService } from './deployment-lookup.service';
import { AppConfig } from '../config/app-config';
import { DEPLOYMENT_OPTIONS } from '../config/deployment-options';
import { DeploymentController } from './deployment.controller';
import { DeploymentService } from './deployment.service';
import { MonitoringService } from './monitoring/monitoring.service';
import { DeploymentNotifier } from './notifications/deployment-notifier';
import { NotificationTransport } from './notifications/notification-transport';

/**
 * Deployments per target, their history, rollback, notifications to targets and monitoring.
 * Exports DeploymentService and DeploymentLookupService (bind the latter to the prediction
 * module's DEPLOYMENT_LOOKUP token).
 */
@Module({
  imports: [ModelsModule],
  controllers: [DeploymentController],
  providers: [{ provide: DEPLOYMENT_OPTIONS, inject: [AppConfig], useFactory: (c: AppConfig) => c.deployment }, ActiveDeploymentCache, DeploymentService, DeploymentLookupService, MonitoringService, DeploymentNotifier, NotificationTransport],
  exports: [DeploymentService, DeploymentLookupService],
})
export class DeploymentModule {}
