export * from './network-spec';
export type { ArchitectureDefinition, ArchitectureProblem } from './architecture';
export {
  ARCHITECTURE_REGISTRY,
  architectureNames,
  architecturesOfferedFor,
  findArchitecture,
  getArchitecture,
  validateNetworkSpec,
} from './registry';
export { buildNetwork } from './build-network';
export { buildAutoencoder } from './autoencoder';
export { compileNetwork, LOSSES, type CompileOptions, type LossName } from './compile';
