import type * as AppEntities from './app.entities';
import type { AppConfig } from './config/app-config';
import type * as DataSourceFactory from './database/data-source.factory';
import type { DatabaseHandle } from './database/data-source.factory';
import type * as MlBackend from './ml/backend';
import type { InitTfBackendOptions, TfBackendSelection } from './ml/backend';

/**
 * A head start for main.ts: the two slowest waits of an embedded start — opening PGlite (it
 * compiles ~9 MB of WebAssembly and boots PostgreSQL) and starting the TensorFlow.js backend
 * (its WebAssembly too) — begin before the rest of the service is loaded (~0.6 s of `require`
 * on this machine), so the compiling on V8's background threads and the file reads overlap that
 * loading instead of following it. DatabaseModule and MlBackendService take what was begun
 * here; where nothing was (the tests' createApp), they start it themselves, as before. Errors
 * surface where they did: when the module that takes the promise awaits it.
 *
 * Not PostgreSQL: its connection has a 3 s connect timeout, whose timer would fire as soon as
 * a long synchronous `require` on a loaded machine ends, failing a start that had connected.
 * Nothing begun here has a timer.
 */

let database: { config: AppConfig; handle: Promise<DatabaseHandle> } | undefined;
let tfBackend: { config: AppConfig; selection: Promise<TfBackendSelection> } | undefined;

/** The backend options MlBackendService starts TensorFlow.js with (TF_BACKEND and friends). */
export function tfBackendOptions(config: AppConfig): InitTfBackendOptions {
  return {
    cudaVisibleDevices: config.cudaVisibleDevices,
    webgpuDawnBackend: config.webgpuDawnBackend,
    gpuAdapter: config.gpuAdapter,
    nativeEngine: config.nativeEngine,
  };
}

/** Begins both, then yields to the event loop briefly so their first reads and compiles are under way. */
export async function beginEarlyStart(config: AppConfig): Promise<void> {
  const { openDatabase } = require('./database/data-source.factory') as typeof DataSourceFactory;
  const { initTfBackend } = require('./ml/backend') as typeof MlBackend;
  if (config.usesEmbeddedDatabase) {
    // The same entities DatabaseModule.forRoot is given in AppModule (the entity files are light).
    const { APP_ENTITIES } = require('./app.entities') as typeof AppEntities;
    database = { config, handle: openDatabase(config, APP_ENTITIES) };
    database.handle.catch(() => undefined); // handled by DatabaseModule; a start that fails before that exits anyway
  }
  tfBackend = { config, selection: initTfBackend(config.tfBackend, tfBackendOptions(config)) };
  tfBackend.selection.catch(() => undefined); // handled by MlBackendService, likewise
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** The database begun for this configuration, once (DatabaseModule's factory takes it). */
export function takeEarlyDatabase(config: AppConfig): Promise<DatabaseHandle> | undefined {
  if (database?.config !== config) return undefined;
  const { handle } = database;
  database = undefined;
  return handle;
}

/** The TensorFlow.js backend begun for this configuration, once (MlBackendService takes it). */
export function takeEarlyTfBackend(config: AppConfig): Promise<TfBackendSelection> | undefined {
  if (tfBackend?.config !== config) return undefined;
  const { selection } = tfBackend;
  tfBackend = undefined;
  return selection;
}
