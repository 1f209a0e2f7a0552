// The image loader's worker thread, run from the TypeScript sources: the tests' counterpart of
// the compiled dist/src/data/sample-worker.js, started by the tests (test/sweep-worker-env.js).
'use strict';
const path = require('path');
require('./ts-transpile');
require(path.join(__dirname, '..', '..', 'src', 'data', 'sample-worker.ts'));
