import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, type CreateAppOptions } from '../../src/app.factory';
import { createRootLogger } from '../../src/common/logging/logger';
import { AppConfig } from '../../src/config/app-config';
import { createScratchDatabase, testDatabaseUrl } from './test-database';

/** fetch's Response, with json() typed loosely for assertions. */
export type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** http://127.0.0.1:<port> of the real server on loopback. */
  url: string;
  /** Every log line the app wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  rawLogs: string[];
  registryPath: string;
  fetch: (path: string, init?: RequestInit & { json?: unknown }) => Promise<JsonResponse>;
  close: () => Promise<void>;
}

/**
 * Boots the real application (createApp, as main.ts does) on a fresh registry directory
 * and a fresh database: embedded by default, a scratch database on TEST_DATABASE_URL's
 * server when that is set. Only the variables given here reach the config, so the
 * developer's own environment (API_KEY…) cannot change a test's outcome.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { imports?: CreateAppOptions['imports'] } = {},
): Promise<TestApp> {
  const registryPath = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-test-'));
  const adminUrl = testDatabaseUrl();
  const scratch = adminUrl && !('DATABASE_URL' in env) ? await createScratchDatabase(adminUrl) : undefined;
  const config = AppConfig.fromEnv({
    MODEL_REGISTRY_PATH: registryPath,
    LOG_LEVEL: 'DEBUG',
    DEMO_DATA: 'false',
    ...(scratch ? { DATABASE_URL: scratch.url, DATABASE_POOL_SIZE: '5' } : {}),
    ...env,
  });
  const rawLogs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      rawLogs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  let app: NestFastifyApplication;
  try {
    app = await createApp(config, { logger: createRootLogger(config.logLevel, sink), imports: options.imports });
  } catch (e) {
    await scratch?.drop().catch(() => undefined);
    fs.rmSync(registryPath, { recursive: true, force: true });
    throw e;
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    app,
    config,
    url,
    rawLogs,
    get logs() {
      return rawLogs.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    registryPath,
    fetch: (p, init = {}) => {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (json !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(url + p, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
    },
    close: async () => {
      await app.close();
      await scratch?.drop();
      fs.rmSync(registryPath, { recursive: true, force: true });
    },
  };
}
