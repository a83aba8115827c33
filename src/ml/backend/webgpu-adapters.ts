import * as fs from 'node:fs';
import * as path from 'node:path';
import { TfBackendUnavailableError } from './backend-errors';
import type { WebGpuAdapterDescription, WebGpuDawnBackend } from './backend-names';

// Naming and choosing WebGPU adapters (GPU_ADAPTER, the logs' one-line label, software
// rasterisers told apart), apart from starting Dawn and tfjs's backend (webgpu.ts).

/** What an adapter says of itself (the slice of GPUAdapterInfo used here; no DOM types). */
export interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** Names from dawn.node's "Available adapters:\n * backend: 'vulkan', name: '…'" list. */
export function parseAdapterList(message: string): string[] {
  const names: string[] = [];
  for (const line of message.split('\n')) {
    const m = /^\s*\*\s*backend:\s*'[^']*',\s*name:\s*'(.*)'\s*$/.exec(line);
    if (m) names.push(m[1]);
  }
  return names;
}

/** GPU_ADAPTER → one name of `names`: an index (0-based) or a case-insensitive part of a name. */
export function pickAdapter(names: string[], choice: string): string {
  const list = names.map((n, i) => `${i}: ${n}`).join('; ');
  if (/^\d+$/.test(choice)) {
    const index = Number(choice);
    if (index >= names.length)
      throw new TfBackendUnavailableError(
        'webgpu',
        `GPU_ADAPTER=${choice} but there are ${names.length} adapter(s): ${list}`,
      );
    return names[index];
  }
  const wanted = choice.toLowerCase();
  const found = names.find((n) => n.toLowerCase().includes(wanted));
  if (!found)
    throw new TfBackendUnavailableError(
      'webgpu',
      `no adapter name contains GPU_ADAPTER=${JSON.stringify(choice)}; adapters: ${list}`,
    );
  return found;
}

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|swrast|software|microsoft basic render/i;

/**
 * GPU device nodes a Vulkan driver would open (AMD/Intel/nouveau render nodes, NVIDIA's
 * proprietary driver, WSL2's /dev/dxg); undefined where that cannot be told (not Linux).
 * Lets `auto` skip Dawn on CPU-only machines without loading it (and its warnings).
 */
export function gpuDeviceNodes(): string[] | undefined {
  if (process.platform !== 'linux') return undefined;
  const found: string[] = [];
  const list = (dir: string, match: RegExp) => {
    try {
      for (const name of fs.readdirSync(dir)) if (match.test(name)) found.push(path.join(dir, name));
    } catch {
      // no such directory
    }
  };
  list('/dev/dri', /^renderD\d+$/);
  list('/dev', /^(nvidia\d+|dxg)$/);
  return found;
}

/** The adapter as reported: `software` for CPU rasterisers (Mesa llvmpipe/lavapipe, SwiftShader). */
export function describeAdapter(
  info: GpuAdapterInfo,
  dawnBackend: WebGpuDawnBackend,
  featureLevel: 'core' | 'compatibility',
  name?: string,
): WebGpuAdapterDescription {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const d: WebGpuAdapterDescription = {
    vendor: text(info.vendor),
    architecture: text(info.architecture),
    device: text(info.device),
    description: text(info.description),
    software: false,
    dawnBackend,
    featureLevel,
  };
  d.software =
    info.isFallbackAdapter === true ||
    d.architecture.toLowerCase() === 'software' ||
    [d.vendor, d.architecture, d.device, d.description, name ?? ''].some((s) => SOFTWARE.test(s));
  return d;
}

/** One line naming the adapter, for logs and messages. */
export function adapterLabel(a: WebGpuAdapterDescription): string {
  const what = [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unnamed adapter';
  return `${what}${a.description ? ` (${a.description})` : ''}, Dawn ${a.dawnBackend}${a.software ? ', software' : ''}`;
}
