/** Model totals: operator set, IR version, node and parameter counts. */
import { tensorElements } from './model-io';
import { toNumber, type AttributeProto, type ModelProto, type GraphProto } from './onnx-types';

/** Version of the default ('' or 'ai.onnx') operator set, 0 if absent. */
export function defaultOpset(model: ModelProto): number {
  const o = (model.opsetImport ?? []).find((x) => !x.domain || x.domain === 'ai.onnx');
  return o ? toNumber(o.version) : 0;
}

/**
 * Weight elements: initializers (dense and sparse) and the tensors of Constant nodes,
 * in the main graph and in subgraphs. PaddlePaddle exports keep weights in Constant nodes.
 */
export function countParameters(model: ModelProto): number {
  let total = 0;
  const graphs: GraphProto[] = model.graph ? [model.graph] : [];
  while (graphs.length > 0) {
    const g = graphs.pop()!;
    for (const t of g.initializer ?? []) total += tensorElements(t);
    for (const s of g.sparseInitializer ?? []) total += s.values ? tensorElements(s.values) : 0;
    for (const n of g.node ?? []) {
      for (const a of n.attribute ?? []) {
        if (n.opType === 'Constant' && (!n.domain || n.domain === 'ai.onnx')) total += constantElements(a);
        if (a.g) graphs.push(a.g);
        for (const sg of a.graphs ?? []) graphs.push(sg);
      }
    }
  }
  return total;
}

/** Elements held by one attribute of a Constant node (value, sparse_value, value_floats, ...). */
function constantElements(a: AttributeProto): number {
  switch (a.name) {
    case 'value':
      return a.t ? tensorElements(a.t) : 0;
    case 'sparse_value':
      return a.sparseTensor?.values ? tensorElements(a.sparseTensor.values) : 0;
    case 'value_floats':
      return a.floats?.length ?? 0;
    case 'value_ints':
      return a.ints?.length ?? 0;
    case 'value_strings':
      return a.strings?.length ?? 0;
    case 'value_float':
    case 'value_int':
    case 'value_string':
      return 1;
    default:
      return 0;
  }
}
