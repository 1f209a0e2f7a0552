#!/usr/bin/env node
// `npm start`: the main job on the bundled example, as a new user would run it.
// 1. analyze the bundled Fashion-MNIST ResNet (cut points, this machine's profile, latency
//    at the 3G/4G/WiFi uplinks), 2. split it at the best cut for 4G and verify the split.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const bin = path.join(root, 'dist', 'bin', 'jalad.js');
const model = path.join('datasets', 'fashion-mnist', 'resnet.onnx');
const out = 'jalad-out';

function jalad(args) {
  process.stderr.write(`\n$ jalad ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!fs.existsSync(bin)) {
  console.error('jalad is not built: run `npm install` (it builds) or `npm run build`');
  process.exit(1);
}
jalad(['analyze', model, '--out', out]);
const analysis = JSON.parse(fs.readFileSync(path.join(root, out, 'analysis.json'), 'utf8'));
const at4g = analysis.latency.find((l) => l.bandwidthMbps === 5.85) ?? analysis.latency[0];
const best = analysis.cutPoints[at4g.bestCut];
jalad(['split', model, '--cut', best.tensors.join(','), '--out', path.join(out, 'split')]);
