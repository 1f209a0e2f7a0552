/**
 * ONNX Runtime's load and run failures as one line that names the model file and the operator.
 *
 * ORT reports failures as multi-line strings in a few shapes, e.g.
 *   "Non-zero status code returned while running Expand node. Name:'n1' Status Message: invalid expand shape"
 *   "Fatal error: ai.onnx.preview.training:Adagrad(-1) is not a registered function/op"
 *   "Could not find an implementation for Foo(12) node with name 'n2'"
 *   "[ShapeInferenceError] ... Node (n3) Op (Reshape) ..."
 * `describeRuntimeFailure` pulls the operator (and node name) out of them.
 */
import { InputError, JaladError } from '../core/errors';

/** What a runtime message says about where it failed. */
export interface RuntimeFailure {
  /** The operator type, when the message names one. */
  readonly op?: string;
  /** The node's name, when the message names one (often empty in exported models). */
  readonly node?: string;
  /** The runtime's reason, on one line. */
  readonly reason: string;
}

const PATTERNS: readonly RegExp[] = [
  /running (?<op>[\w.]+) node\. Name:'(?<node>[^']*)'/,
  /(?:[\w.]+:)?(?<op>\w+)\(-?\d+\) is not a registered function\/op/,
  /implementation for (?<op>\w+)\(\d+\) node with name '(?<node>[^']*)'/,
  /Node \((?<node>[^)]*)\) Op \((?<op>\w+)\)/,
  /In Node, \("(?<node>[^"]*)", (?<op>\w+),/,
];

/** Splits an ORT error message into operator, node and a one-line reason. */
export function describeRuntimeFailure(message: string): RuntimeFailure {
  const oneLine = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ')
    // NOTE: ORT's messages often repeat a long "[ONNXRuntimeError] : 1 : FAIL :" prefix.
    .replace(/\[ONNXRuntimeError\] : \d+ : \w+ : /g, '')
    .slice(0, 400);
  for (const p of PATTERNS) {
    const m = p.exec(message);
    if (m?.groups) {
      const status = /Status Message: (.*)/.exec(oneLine);
      return {
        op: m.groups.op,
        ...(m.groups.node ? { node: m.groups.node } : {}),
        reason: status ? status[1] : oneLine,
      };
    }
  }
  return { reason: oneLine };
}

/** "operator Expand (node "n1")" or "" when the message names none. */
function where(f: RuntimeFailure): string {
  if (!f.op) return '';
  return ` at operator ${f.op}${f.node ? ` (node "${f.node}")` : ''}`;
}

/**
 * The error for a model ORT cannot load. A model the user gave (`source` set) is bad input: exit 2;
 * a model jalad built itself is jalad's failure: exit 1.
 */
export function loadFailure(err: unknown, source?: string): JaladError {
  const f = describeRuntimeFailure(err instanceof Error ? err.message : String(err));
  const text = `ONNX Runtime cannot load the model${where(f)}: ${f.reason}`;
  return source
    ? new InputError('BAD_MODEL', `${source}: ${text} (invalid, or not supported by this runtime)`)
    : new JaladError('RUNTIME', text);
}

/**
 * The error for a run that failed. On the user's model with only synthetic inputs for integer
 * graph inputs, the likely cause is those inputs (a shape, an axis or an index read from a zero
 * tensor): the message names them and the flag that gives real values.
 */
export function runFailure(
  err: unknown,
  source: string | undefined,
  syntheticIntegers: readonly string[] = [],
): JaladError {
  const f = describeRuntimeFailure(err instanceof Error ? err.message : String(err));
  const text = `ONNX Runtime failed to run the model${where(f)}: ${f.reason}`;
  if (!source) return new JaladError('RUNTIME', text);
  if (syntheticIntegers.length > 0) {
    const list = syntheticIntegers.map((n) => `"${n}"`).join(', ');
    return new InputError(
      'BAD_DATA',
      `${source}: ${text}; it ran on synthetic values, and integer input ${list} needs real values: give them with --inputs (a ` +
        `test_data_set folder of input_N.pb, or ${syntheticIntegers[0]}=FILE.npy)`,
    );
  }
  return new InputError('BAD_MODEL', `${source}: ${text} (invalid, or not supported by this runtime)`);
}
