// Worker threads do not share jest's transform: a worker started from the TypeScript sources
// requires this first, so each .ts module it loads is compiled with TypeScript (transpile only:
// the type check is `tsc --noEmit` in `npm test`).
'use strict';
const fs = require('fs');
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
