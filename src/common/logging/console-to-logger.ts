import { format } from 'node:util';
import type { Logger as PinoLogger } from 'pino';

/**
 * Every stdout line of the service is JSON: libraries that print through `console` in the
 * main thread (tfjs serves predictions there; its engine warns through console when a
 * backend fails to initialise, its cpu backend prints a tfjs-node hint, tfjs-layers warns
 * about large orthogonal initialisations) are logged as records with a level instead
 * (`context: "console"`). Installed by main.ts for the whole process; the training thread
 * forwards its own console to the parent (thread-console.ts).
 */
export function routeConsoleTo(logger: PinoLogger): void {
  const child = logger.child({ context: 'console' });
  const to =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) =>
      child[level](format(...args));
  console.log = to('info');
  console.info = to('info');
  console.debug = to('debug');
  console.trace = to('debug');
  console.warn = to('warn');
  console.error = to('error');
}
