export * from './backend-names';
export * from './backend-errors';
export { initTfBackend, type InitTfBackendOptions, type ModuleLoader, type TfBackendSelection } from './init-backend';
export { getTf, type Tf } from './tf';
export {
  isWasmBatchMatMulPatched,
  patchWasmBatchMatMul,
  setNativeBatchMatMul,
  unpatchWasmBatchMatMul,
  type NativeBatchMatMul,
} from './wasm-matmul-patch';
export { aliasWasmIdentity, isWasmIdentityAliased, restoreWasmIdentity } from './wasm-identity-patch';
export { listWebGpuAdapters, prepareDawnEnvironment, probeWebGpu } from './webgpu';
export { adapterLabel, describeAdapter, gpuDeviceNodes, parseAdapterList, pickAdapter } from './webgpu-adapters';
