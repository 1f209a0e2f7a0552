#!/usr/bin/env node
// `npm start`: the whole method on the bundled example, as a new user would run it.
// 1. `jalad analyze` the bundled Fashion-MNIST ResNet: cut points, this machine's measured
//    profile, the compression sweep on a stratified 1,000-image subset of the test set,
//    and the decision table for a 1-point accuracy budget;
// 2. `jalad split` it at the fastest plan for a 4G uplink (5.85 Mbps) within that budget,
//    measured for real, into jalad-split/{edge.onnx, cloud.onnx, plan.json} (a folder of its own:
//    each jalad output folder is replaced as a whole, see docs/outputs.md).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const bin = path.join(root, 'dist', 'bin', 'jalad.js');
const data = path.join('datasets', 'fashion-mnist');
const out = 'jalad-out';

function jalad(args) {
  process.stderr.write(`\n$ jalad ${args.join(' ')}\n`);
  // As `npx jalad` runs it: with the variables the launcher's first line sets (bin/jalad.ts).
  const { launcherEnv } = require(path.join(root, 'dist', 'src', 'core', 'launcher-env.js'));
  const env = { ...process.env, ...launcherEnv(bin) };
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!fs.existsSync(bin)) {
  console.error('jalad is not built: run `npm install` (it builds) or `npm run build`');
  process.exit(1);
}
jalad([
  'analyze',
  path.join(data, 'resnet.onnx'),
  '--data',
  path.join(data, 't10k-images-idx3-ubyte.gz'),
  '--labels',
  path.join(data, 't10k-labels-idx1-ubyte.gz'),
  '--scale',
  '1/255',
  '--mean',
  '0.2860',
  '--std',
  '0.3530',
  '--samples',
  '1000',
  '--bits',
  '2,4,6,8',
  '--max-loss',
  '1',
  '--out',
  out,
]);
jalad([
  'split',
  '--analysis',
  path.join(out, 'analysis.json'),
  '--max-loss',
  '1',
  '--bandwidth',
  '5.85',
  '--out',
  'jalad-split',
]);
