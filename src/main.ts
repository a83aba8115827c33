import 'reflect-metadata';
import type * as AppFactory from './app.factory';
import { routeConsoleTo } from './common/logging/console-to-logger';
import { createRootLogger } from './common/logging/logger';
import { AppConfig } from './config/app-config';
import { ConfigValidationError } from './config/validate-environment';
import { beginEarlyStart } from './early-start';
import { redactSecrets } from './config/secret-values';
import { SERVICE_VERSION } from './version';

/**
 * Entry point: validate the environment, start, and shut down gracefully on SIGTERM/SIGINT
 * (stop accepting, finish in-flight requests, stop workers, close the database, exit 0).
 */
async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = AppConfig.fromEnv(process.env);
  } catch (e) {
    if (e instanceof ConfigValidationError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  const logger = createRootLogger(config.logLevel);
  routeConsoleTo(logger);
  const started = Date.now();
  let app;
  try {
    // The embedded database and the TensorFlow.js backend begin opening first; loading the rest
    // of the service (Nest, Fastify, TypeORM, every module: ~0.6 s) then overlaps their waits.
    await beginEarlyStart(config);
    const { createApp } = require('./app.factory') as typeof AppFactory;
    app = await createApp(config, { logger });
  } catch (e) {
    // A driver's message may quote the connection string: never let a password through.
    const message = redactSecrets((e as Error).message, process.env);
    logger.fatal({ err: { message, name: (e as Error).name } }, `cannot start: ${message}`);
    logger.flush();
    process.stderr.write(`Cannot start: ${message}\n`);
    process.exit(1);
  }
  await app.listen({ port: config.port, host: '0.0.0.0' });
  logger.info(
    {
      port: config.port,
      version: SERVICE_VERSION,
      role: config.serviceRole,
      database: config.usesEmbeddedDatabase ? 'embedded' : 'postgres',
      startup_ms: Date.now() - started,
    },
    `ML Workbench Service ${SERVICE_VERSION} listening on :${config.port} (docs at /docs)`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    // A worker first lets its running job finish (WORKER_DRAIN_SECONDS), then hands it back
    // and records that (bounded at 15 s): its deadline includes both.
    const graceMs = config.shutdownGraceMs + (config.runsWorker ? config.workerDrainSeconds * 1000 + 15_000 : 0);
    const force = setTimeout(() => {
      logger.error({ grace_ms: graceMs }, 'graceful shutdown took too long, exiting');
      logger.flush();
      process.exit(1);
    }, graceMs);
    force.unref();
    try {
      await app.close();
      logger.info('stopped cleanly');
      logger.flush();
      process.exit(0);
    } catch (e) {
      logger.error({ err: { message: (e as Error).message } }, 'error during shutdown');
      logger.flush();
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
