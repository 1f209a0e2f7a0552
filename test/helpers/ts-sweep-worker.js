// The sweep's worker thread, run from the TypeScript sources: the tests' counterpart of the
// compiled dist/src/sweep/worker.js, started by the tests (test/sweep-worker-env.js). Worker
// threads do not share jest's transform, so this thread compiles each .ts module it loads with
// TypeScript (transpile only: the type check is `tsc --noEmit` in `npm test`).
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
};
require.extensions['.ts'] = (module, file) => {
  const source = fs.readFileSync(file, 'utf8');
  module._compile(ts.transpileModule(source, { compilerOptions, fileName: file }).outputText, file);
};
require(path.join(__dirname, '..', '..', 'src', 'sweep', 'worker.ts'));
