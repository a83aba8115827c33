import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { AppConfig } from '../config/app-config';
import { FEATURE_STORE_OPTIONS, FeatureStoreClient } from './feature-store';
import { FeatureComputePool } from './compute/compute-pool';
import { FeaturesController } from './features.controller';
import { FeaturesService } from './features.service';

@Module({
  imports: [MarketDataModule],
  controllers: [FeaturesController],
  providers: [
    FeaturesService,
    FeatureComputePool,
    FeatureStoreClient,
    {
      provide: FEATURE_STORE_OPTIONS,
      inject: [AppConfig],
      useFactory: (c: AppConfig) => ({
        apiKey: c.featureStoreApiKey,
        timeoutMs: c.featureStoreTimeoutMs,
        retries: c.featureStoreRetries,
      }),
    },
  ],
  exports: [FeaturesService],
})
export class FeaturesModule {}
