import { Module } from '@nestjs/common';
import { BarPages } from './bar-pages';
import { BarStore } from './bar-store';
import { DemoDataLoader } from './demo-data.loader';
import { MarketDataController } from './market-data.controller';
import { MarketDataService } from './market-data.service';

@Module({
  controllers: [MarketDataController],
  providers: [BarStore, BarPages, MarketDataService, DemoDataLoader],
  exports: [MarketDataService],
})
export class MarketDataModule {}
