/**
 * Analyses for the report tests: the committed VGG analysis (test/fixtures, no decision table), a
 * real ResNet analysis with a decision table (written by `jalad analyze` on the bundled ResNet), and
 * degenerate ones derived from them.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Analysis } from '../../src/core/analysis';

function load(file: string): Analysis {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Analysis;
}

/** VGG on Fashion-MNIST: 20 cut points, profiles, latency at 3 bandwidths, a 6-bit-width sweep; no decisions. */
export const vgg = (): Analysis => load(path.join(__dirname, '..', 'fixtures', 'analysis-vgg.json'));

/** ResNet on Fashion-MNIST: 13 cut points, profiles, a sweep and a 2-interval decision table. */
export const resnet = (): Analysis => load(path.join(__dirname, 'fixtures', 'analysis-resnet.json'));

/** Cut points only: no profiles, latency, data, sweep or decisions, no predicted times. */
export function cutPointsOnly(a: Analysis = vgg()): Analysis {
  const {
    profiles: _p,
    latency: _l,
    bandwidthsMbps: _b,
    rttMs: _r,
    data: _d,
    bits: _bits,
    sweep: _s,
    decisions: _dec,
    maxLossPct: _m,
    ...rest
  } = a;
  return {
    ...rest,
    cutPoints: a.cutPoints.map(
      ({ edgeMs: _e, cloudMs: _c, edgeMeasuredMs: _em, cloudMeasuredMs: _cm, ...c }) => c,
    ),
  };
}

/** Profiles and latency but no sweep (analyze without --data). */
export function withoutSweep(a: Analysis = vgg()): Analysis {
  const { data: _d, bits: _bits, sweep: _s, ...rest } = a;
  return rest;
}
