/** Which ONNX Runtime runs the models. */
import * as ort from 'onnxruntime-node';

/** The ONNX Runtime version (the Node binding's, else the common package's). */
export function runtimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}
