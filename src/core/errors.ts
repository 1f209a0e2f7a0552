/**
 * jalad's error taxonomy. Only bin/ maps these to exit codes:
 * `InputError` -> 2 (bad input or usage), any other `JaladError` -> 1 (the work failed);
 * anything else is a bug and keeps its stack trace.
 */

/** Stable, machine-checkable reasons. Tests compare codes, never wording. */
export type ErrorCode =
  | 'BAD_MODEL' // not ONNX, truncated, empty, unsupported structure
  | 'BAD_PATH' // missing file, a directory where a file was expected, unsafe external-data path
  | 'BAD_CUT' // a tensor set that is not a cut, an unknown tensor name
  | 'BAD_DATA' // a data or label file that is malformed or does not fit the model
  | 'BAD_OPTION' // a flag value out of range or inconsistent with another
  | 'BAD_ANALYSIS' // analysis.json missing, for another model, or of an unknown version
  | 'BAD_SHARD' // a shard file that is malformed, missing, given twice or from another run
  | 'BAD_PROFILE' // a device profile that is malformed or for another model
  | 'NON_FINITE' // NaN or Inf where a finite tensor is required
  | 'NO_PLAN' // no plan meets the accuracy budget
  | 'BAD_OUTPUT' // an output path that jalad may not or cannot write (a special file, a foreign file, read-only)
  | 'NO_DEVICE' // a --device whose provider or GPU is not available on this machine
  | 'IO' // jalad's own file operation failed after its checks passed (e.g. swapping in a written set)
  | 'RUNTIME'; // ONNX Runtime refused or failed to run a model we built

/** Base class of every error jalad raises on purpose. */
export class JaladError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'JaladError';
    this.code = code;
  }
}

/** Bad input or usage: the user can fix it by changing a file or a flag (exit code 2). */
export class InputError extends JaladError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'InputError';
  }
}
