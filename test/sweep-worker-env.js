// Jest runs the TypeScript sources, where the sweep's pool and the image loader's pool find no
// compiled worker beside them: their worker threads start test/helpers/ts-sweep-worker.js and
// test/helpers/ts-image-worker.js instead, named here before any test runs (src/sweep/pool.ts,
// `workerStart`; src/data/sample-pool.ts, `imageWorkerEntry`). Only the test realm's environment
// is changed: the CLI tests' child processes run the build and its compiled workers.
'use strict';
const path = require('path');

process.env.JALAD_SWEEP_WORKER = path.join(__dirname, 'helpers', 'ts-sweep-worker.js');
process.env.JALAD_IMAGE_WORKER = path.join(__dirname, 'helpers', 'ts-image-worker.js');
