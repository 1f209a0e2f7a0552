/** Tensor shapes and sizes; per-node times; device profiles; the latency model. */
export { probeTensors, batchDimName, inputDims, type TensorInfo, type ProbeOptions } from './tensor-shapes';
