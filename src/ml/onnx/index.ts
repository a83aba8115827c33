// ONNX in and out: export of trained networks, inspection of imported files, and the ONNX
// Runtime worker pool that serves them.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { exportLayersModel, readLayerWeights, type OnnxExportOptions } from './export-layers';

export {
  exportLayersModel,
  readLayerWeights,
  ONNX_BATCH_DIM,
  ONNX_INPUT,
  ONNX_OUTPUT,
  OnnxExportError,
  type OnnxExportOptions,
} from './export-layers';
export { ONNX_IR_VERSION, ONNX_OPSET } from './onnx-model';
export { onnxRuntimeInstalled, OnnxRuntimeError, OrtPool, type OrtPoolOptions } from './runtime/ort-pool';
export type { SessionInfo, TensorInfo } from './runtime/protocol';

export const ONNX_FILE = 'model.onnx';

/** Write the model's ONNX export as `dir/model.onnx` (beside saveModel's model.json + weights.bin). */
export async function saveOnnx(model: tf.LayersModel, dir: string, options: OnnxExportOptions = {}): Promise<number> {
  const bytes = exportLayersModel(model, await readLayerWeights(model), options);
  await fs.mkdir(dir, { recursive: true });
  const target = path.join(dir, ONNX_FILE);
  await fs.writeFile(`${target}.tmp`, bytes);
  await fs.rename(`${target}.tmp`, target);
  return bytes.length;
}
export {
  ELEM_TYPE_NAMES,
  inspectOnnx,
  MAX_IR_VERSION,
  OnnxInspectionError,
  SUPPORTED_OPSETS,
  type OnnxInspection,
  type OnnxProblemCode,
  type OnnxValue,
} from './inspect';
export {
  attr,
  DT_FLOAT,
  DT_INT64,
  encodeModel,
  type OnnxModelSpec,
  type OnnxNode,
  type OnnxTensor,
} from './onnx-model';
