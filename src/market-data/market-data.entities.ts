import { MarketBar } from './market-bar.entity';

/** The market-data module's tables, composed with the other modules' in src/app.entities.ts. */
export const MARKET_DATA_ENTITIES = [MarketBar];
