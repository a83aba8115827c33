import { SHARE_ENV, Worker } from 'node:worker_threads';
import { prepareDawnEnvironment } from '../backend/webgpu';

/**
 * For tests (not a test file itself). Jest gives every test file its own copy of
 * process.env, so a variable set there never reaches native code that calls getenv —
 * Dawn and Mesa's EGL read EGL_PLATFORM and XDG_RUNTIME_DIR that way. A worker thread
 * started with SHARE_ENV writes into the process's real environment.
 */
export async function setRealEnv(vars: Record<string, string>): Promise<void> {
  Object.assign(process.env, vars);
  await new Promise<void>((resolve, reject) => {
    const w = new Worker(`Object.assign(process.env, ${JSON.stringify(vars)});`, { eval: true, env: SHARE_ENV });
    w.on('error', reject);
    w.on('exit', () => resolve());
  });
}

/** What the WebGPU backend sets when the user has not, copied into the real environment. */
export async function prepareRealDawnEnvironment(): Promise<void> {
  prepareDawnEnvironment();
  await setRealEnv({ EGL_PLATFORM: process.env.EGL_PLATFORM!, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR! });
}
