// The sweep's worker thread, run from the TypeScript sources: the tests' counterpart of the
// compiled dist/src/sweep/worker.js, started by the tests (test/sweep-worker-env.js).
'use strict';
const path = require('path');
require('./ts-transpile');
require(path.join(__dirname, '..', '..', 'src', 'sweep', 'worker.ts'));
