import * as tf from '@tensorflow/tfjs';
// Side effect: registers our custom layer classes, which loadLayersModel looks up by name.
import '../layers';
import { directoryLoader, directorySaver } from './directory-handler';

/** Save topology + weights (no optimizer state) into `dir`. */
export function saveModel(model: tf.LayersModel, dir: string): Promise<tf.io.SaveResult> {
  return model.save(directorySaver(dir));
}

/** Load a model saved by {@link saveModel}; it comes back uncompiled. */
export function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(directoryLoader(dir));
}
