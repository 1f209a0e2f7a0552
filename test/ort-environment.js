// A jest environment for onnxruntime-node: jest runs each test file in its own vm
// realm, so `new Float32Array()` inside a test is not an instance of the outer
// realm's Float32Array, and ORT's binding rejects it ("invalid data type").
// Sharing the outer constructors (and Buffer) makes typed arrays cross freely.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Buffer',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OrtEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) {
      if (name in globalThis) this.global[name] = globalThis[name];
    }
  }
}

module.exports = OrtEnvironment;
