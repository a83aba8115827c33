export * from './backend-names';
export * from './backend-errors';
export { initTfBackend, type InitTfBackendOptions, type ModuleLoader, type TfBackendSelection } from './init-backend';
export { getTf, type Tf } from './tf';
export { isWasmBatchMatMulPatched, patchWasmBatchMatMul, unpatchWasmBatchMatMul } from './wasm-matmul-patch';
export { adapterLabel, describeAdapter, gpuDeviceNodes, listWebGpuAdapters, parseAdapterList, pickAdapter, prepareDawnEnvironment, probeWebGpu } from './webgpu';
