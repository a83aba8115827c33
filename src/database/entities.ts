import { MarketBar } from '../market-data/market-bar.entity';

/**
 * Every TypeORM entity of the service. The application and the migration CLI both read
 * this list, so what the app maps and what `migration:generate --check` compares are
 * the same. Add a new entity here.
 */
export const ENTITIES: Function[] = [MarketBar];
