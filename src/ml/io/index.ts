export { directoryLoader, directorySaver, ModelFilesError, MODEL_JSON, WEIGHTS_BIN } from './directory-handler';
export { loadModel, saveModel } from './model-files';
