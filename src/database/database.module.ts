import { type DynamicModule, Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { takeEarlyDatabase } from '../early-start';
import { openDatabase, type EntityClass } from './data-source.factory';
import { DATABASE_KIND, type DatabaseKind } from './database.tokens';
import type { DataDirSource } from './embedded-template';

const PREPARED: Record<DataDirSource, string> = {
  existing: 'existing directory',
  template: 'new directory, copied from the migrated template',
  'new-template': 'new directory: template built, then copied',
  initdb: 'new directory: initdb + migrations, without a template',
};

/**
 * The one DataSource of the process: PostgreSQL at DATABASE_URL, or the embedded PGlite.
 * Migrations have run before anything else can use it. It maps the entities it is given
 * (`forRoot(APP_ENTITIES)`: each module lists its own, src/app.entities.ts composes them);
 * owning modules take repositories from it inside their own repositories and services.
 * The DataSource closes in onApplicationShutdown, after every beforeApplicationShutdown
 * hook (the job queue stops there), so nothing uses it once it is gone.
 */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  static forRoot(entities: readonly EntityClass[]): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: 'DATABASE_HANDLE',
          inject: [AppConfig],
          useFactory: async (config: AppConfig) => {
            const started = Date.now();
            // npm start began opening it before loading the service's modules (early-start.ts).
            const handle = await (takeEarlyDatabase(config) ?? openDatabase(config, entities));
            const how = handle.prepared
              ? ` (${PREPARED[handle.prepared.source]}${handle.prepared.source === 'existing' ? '' : `, in ${handle.prepared.ms} ms`})`
              : '';
            if (handle.prepared?.note) new Logger('Database').warn(handle.prepared.note);
            new Logger('Database').log(
              `${handle.kind === 'embedded' ? `Embedded PostgreSQL (PGlite) at ${config.embeddedDataDir}${how}` : 'PostgreSQL at DATABASE_URL'} ready, migrations applied in ${Date.now() - started} ms`,
            );
            return handle;
          },
        },
        {
          provide: DataSource,
          inject: ['DATABASE_HANDLE'],
          useFactory: (h: { dataSource: DataSource }) => h.dataSource,
        },
        { provide: DATABASE_KIND, inject: ['DATABASE_HANDLE'], useFactory: (h: { kind: DatabaseKind }) => h.kind },
      ],
      exports: [DataSource, DATABASE_KIND],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dataSource.destroy();
  }
}
