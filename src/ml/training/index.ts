export { fitNetwork, type EpochLogs, type FitOptions, type FitResult } from './fit';
export {
  toTensor,
  isFlatTensorData,
  type FlatTensorData,
  type NestedNumbers,
  type OwnedTensor,
  type TensorInput,
} from './tensor-input';
