export * from './network-spec';
export { buildNetwork } from './build-network';
export { buildAutoencoder } from './autoencoder';
export { compileNetwork, LOSSES, type CompileOptions, type LossName } from './compile';
