import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './common/auth/api-key.guard';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { EventsModule } from './common/events';
import { APP_ENTITIES } from './app.entities';
import { DatabaseModule } from './database/database.module';
import { FeaturesModule } from './features/features.module';
import { HealthModule } from './health/health.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { DeploymentModule } from './deployment/deployment.module';
import { ExperimentsModule } from './experiments/experiments.module';
import { MarketDataModule } from './market-data/market-data.module';
import { MetricsModule } from './metrics/metrics.module';
import { ModelsModule } from './models/models.module';
import { PredictionModule } from './prediction/prediction.module';
import { TrainingModule } from './training/training.module';
import { SweepsModule } from './sweeps/sweeps.module';
import { SchedulesModule } from './schedules/schedules.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, extra: Array<Type | DynamicModule> = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        EventsModule,
        DatabaseModule.forRoot(APP_ENTITIES),
        HealthModule,
        MetricsModule,
        MarketDataModule,
        FeaturesModule,
        ModelsModule,
        ExperimentsModule,
        TrainingModule,
        SweepsModule,
        PredictionModule,
        DeploymentModule,
        SchedulesModule,
        DashboardModule,
        ...extra,
      ],
      // Authentication on the matched route, deny by default (see ApiKeyGuard).
      providers: [{ provide: APP_GUARD, useClass: ApiKeyGuard }],
    };
  }
}
