// Jest runs the TypeScript sources, where the sweep's pool finds no compiled worker.js beside it:
// its worker threads start test/helpers/ts-sweep-worker.js instead, named here before any test
// runs (src/sweep/pool.ts, `workerStart`). Only the test realm's environment is changed: the CLI
// tests' child processes run the build and its compiled worker.
'use strict';
const path = require('path');

process.env.JALAD_SWEEP_WORKER = path.join(__dirname, 'helpers', 'ts-sweep-worker.js');
