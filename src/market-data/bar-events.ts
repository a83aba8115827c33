import { Injectable, Logger } from '@nestjs/common';
import type { BarSource } from './bar-source';
import type { Timeframe } from './timeframes';

/** Bars of one series were written (committed): an import, a resample or the demo loader. */
export interface BarsWrittenEvent {
  symbol: string;
  timeframe: Timeframe;
  source: BarSource;
  /** Earliest and latest timestamp written (ms UTC). */
  first: number;
  last: number;
  inserted: number;
  updated: number;
}

type Listener = (event: BarsWrittenEvent) => void;

/**
 * Typed events of the market-data module, for modules that react to new bars (the deployment
 * module scores served predictions whose horizon has realised) without market-data knowing
 * them. Emitted after the write's transaction commits. Listeners run synchronously and must
 * not throw: they start their own async work and keep its errors.
 */
@Injectable()
export class MarketDataEvents {
  private readonly logger = new Logger('MarketDataEvents');
  private readonly listeners: Listener[] = [];

  onBarsWritten(listener: Listener): void {
    this.listeners.push(listener);
  }

  barsWritten(event: BarsWrittenEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        this.logger.error({ err: { message: (e as Error).message } }, 'a market-data event listener threw');
      }
    }
  }
}
