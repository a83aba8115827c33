import { Module } from '@nestjs/common';
import { MarketDataEvents } from './bar-events';
import { BarPages } from './bar-pages';
import { BarStore } from './bar-store';
import { DemoDataLoader } from './demo-data.loader';
import { EmbeddedSpace } from './embedded-space';
import { MarketDataController } from './market-data.controller';
import { MarketDataService } from './market-data.service';
import { SeriesWriter } from './series-writer';

@Module({
  controllers: [MarketDataController],
  providers: [MarketDataEvents, BarStore, BarPages, EmbeddedSpace, SeriesWriter, MarketDataService, DemoDataLoader],
  exports: [MarketDataService, MarketDataEvents],
})
export class MarketDataModule {}
