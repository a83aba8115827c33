import { Module } from '@nestjs/common';
import { BarStore } from './bar-store';
import { DemoDataLoader } from './demo-data.loader';
import { MarketDataController } from './market-data.controller';
import { MarketDataService } from './market-data.service';

@Module({
  controllers: [MarketDataController],
  providers: [BarStore, MarketDataService, DemoDataLoader],
  exports: [MarketDataService],
})
export class MarketDataModule {}
