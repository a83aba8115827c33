import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { ModelsModule } from '../models/models.module';
import { DEPLOYMENT_LOOKUP, DeploymentLookupPort } from '../prediction/deployment-lookup';
import { PredictionModule } from '../prediction/prediction.module';
import { ActiveDeploymentCache } from './active-deployment.cache';
import { DeploymentLookupService } from './deployment-lookup.service';
import { AppConfig } from '../config/app-config';
import { DEPLOYMENT_OPTIONS } from './deployment-options';
import { DeploymentRepository, SqlDeploymentRepository } from './deployments/deployment.repository';
import { MonitoringRepository, SqlMonitoringRepository } from './monitoring/monitoring.repository';
import { NotificationRepository, SqlNotificationRepository } from './notifications/notification.repository';
import { ChallengerController } from './challengers/challenger.controller';
import { ChallengerService } from './challengers/challenger.service';
import { DeploymentController } from './deployment.controller';
import { DeploymentService } from './deployment.service';
import { MonitoringService } from './monitoring/monitoring.service';
import { DeploymentNotifier } from './notifications/deployment-notifier';
import { NotificationTransport } from './notifications/notification-transport';
import { DecayMonitor } from './performance/decay-monitor';
import { PerformanceController } from './performance/performance.controller';
import { PerformanceScorer } from './performance/performance-scorer';
import { PerformanceService } from './performance/performance.service';
import { PredictionRecorder } from './performance/prediction-recorder';
import { PredictionRepository } from './performance/prediction.repository';
import { VersionTargets } from './performance/version-targets';
import { TargetDrivers } from './targets/target-drivers.service';
import { TargetsController } from './targets/targets.controller';

/** Each table's SQL: the abstract class is the token (and the interface tests implement in memory). */
const REPOSITORIES = [
  { provide: DeploymentRepository, useClass: SqlDeploymentRepository },
  { provide: MonitoringRepository, useClass: SqlMonitoringRepository },
  { provide: NotificationRepository, useClass: SqlNotificationRepository },
];

/** Live performance (performance/): served predictions kept, scored when bars arrive, the decay test. */
const PERFORMANCE_PROVIDERS = [
  PredictionRepository,
  VersionTargets,
  PredictionRecorder,
  PerformanceScorer,
  DecayMonitor,
  PerformanceService,
];

/**
 * Deployments per target, their history, rollback, what targets do (targets/: webhook,
 * file drop — one driver per kind, registered in targets/target-registry.ts) and monitoring.
 * Gives the prediction module its deployment lookup (which version serves a target, and
 * where monitoring events go) and publishes 'deployment.changed' on every change (prediction
 * drops its resolutions and warms the version that now serves).
 * Live performance subscribes to market-data's bars-written event to score served predictions.
 */
@Module({
  imports: [ModelsModule, PredictionModule, MarketDataModule],
  controllers: [DeploymentController, PerformanceController, TargetsController, ChallengerController],
  providers: [
    { provide: DEPLOYMENT_OPTIONS, inject: [AppConfig], useFactory: (c: AppConfig) => c.deployment },
    ...REPOSITORIES,
    ActiveDeploymentCache,
    DeploymentService,
    DeploymentLookupService,
    // Hands this module's lookup to prediction's port as the module is instantiated (before any
    // request): prediction reads deployments through it without knowing this module exists.
    {
      provide: DEPLOYMENT_LOOKUP,
      inject: [DeploymentLookupPort, DeploymentLookupService],
      useFactory: (port: DeploymentLookupPort, lookup: DeploymentLookupService) => port.provide(lookup),
    },
    MonitoringService,
    DeploymentNotifier,
    NotificationTransport,
    TargetDrivers,
    ...PERFORMANCE_PROVIDERS,
    ChallengerService,
  ],
  exports: [DeploymentService, DeploymentLookupService, DEPLOYMENT_LOOKUP, PerformanceService, ChallengerService],
})
export class DeploymentModule {}
