/**
 * Shared by the artifact-store specs: a fresh temporary directory per test, in which
 * `{tmp}/registry` is MODEL_REGISTRY_PATH (with an embedded database's `.pgdata` beside the
 * models) and `{tmp}/outside` is what must never be touched. Importing this registers the
 * hooks; the bindings below are live (reassigned before each test).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig } from '../../config/app-config';
import { ArtifactStore } from './artifact-store';

export const FILES = () => ({
  'model/model.json': { format: 'layers-model', modelTopology: { layers: [{ class_name: 'LSTM', units: 32 }] } },
  'model/weights.bin': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) % 256)),
  'preprocessing.json': {
    features: ['rsi_14', 'sma_20'],
    window: 60,
    horizon: 1,
    scaler: { type: 'standard', mean: [50, 1.1], std: [10, 0.01] },
    target: 'return_1',
  },
  'metrics.json': { rmse: 0.0012, baselines: { naive: 0.0013 } },
});

export let tmp: string;
export let root: string;
export let outside: string;
export let store: ArtifactStore;

export const configFor = (registry: string) => AppConfig.fromEnv({}, { MODEL_REGISTRY_PATH: registry });

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'artifact-store-'));
  root = path.join(tmp, 'registry');
  outside = path.join(tmp, 'outside');
  await fs.mkdir(path.join(root, '.pgdata'), { recursive: true });
  await fs.writeFile(path.join(root, '.pgdata', 'PG_VERSION'), '17\n');
  await fs.mkdir(outside);
  await fs.writeFile(path.join(outside, 'secret.txt'), 'do not touch');
  store = new ArtifactStore(configFor(root));
});

afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Every path under `dir` (relative), with file contents hashed: a cheap snapshot. */
export async function snapshot(dir: string, skip: string[] = []): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    const rel = path.relative(dir, full);
    if (skip.some((s) => rel === s || rel.startsWith(`${s}${path.sep}`))) continue;
    out[rel] = entry.isFile()
      ? createHash('sha256')
          .update(await fs.readFile(full))
          .digest('hex')
      : entry.isDirectory()
        ? 'dir'
        : 'other';
  }
  return out;
}

/** Make everything under `target` look untouched for `ms`. */
export async function age(target: string, ms: number): Promise<void> {
  const when = new Date(Date.now() - ms);
  const stats = await fs.lstat(target);
  if (stats.isDirectory()) for (const name of await fs.readdir(target)) await age(path.join(target, name), ms);
  await fs.utimes(target, when, when);
}
