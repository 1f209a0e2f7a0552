/**
 * Synthetic uplink bandwidth traces for `jalad simulate`, written to experiments/traces/.
 *
 * Each trace is 300 s at 10 frames per second. The bandwidth follows a first-order
 * autoregressive process in log space around the uplink's nominal mean (3G 1.1, 4G 5.85,
 * WiFi 18.88 Mbps, the figures used across the split-computing literature):
 *   log b[t] = log m + φ·(log b[t−1] − log m) + σ·sqrt(1 − φ²)·ε[t],  ε ~ N(0, 1)
 * with φ = 0.97 (slow fading over a few seconds) and σ the stationary log-std (3G 0.6,
 * 4G 0.5, WiFi 0.35: cellular links vary more). The log-normal's median is m, so the
 * arithmetic mean is m·exp(σ²/2). A seeded PRNG makes the files reproducible.
 * Run: npm run build:all && node .build/experiments/make-traces.js
 */
import * as fs from 'fs';
import * as path from 'path';
import { uniformRandom } from '../src/core/random';

const TRACES = [
  { name: '3g', meanMbps: 1.1, sigma: 0.6, seed: 3 },
  { name: '4g', meanMbps: 5.85, sigma: 0.5, seed: 4 },
  { name: 'wifi', meanMbps: 18.88, sigma: 0.35, seed: 5 },
] as const;
const PHI = 0.97;
const SECONDS = 300;
const HZ = 10;

/** A standard normal draw (Box–Muller). */
function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function main(): void {
  const dir = path.join(__dirname, '..', '..', 'experiments', 'traces');
  fs.mkdirSync(dir, { recursive: true });
  for (const t of TRACES) {
    const rand = uniformRandom(t.seed);
    const lines = ['time_s,mbps'];
    let x = 0;
    for (let i = 0; i < SECONDS * HZ; i++) {
      x = PHI * x + t.sigma * Math.sqrt(1 - PHI * PHI) * normal(rand);
      lines.push(`${(i / HZ).toFixed(1)},${(t.meanMbps * Math.exp(x)).toFixed(4)}`);
    }
    fs.writeFileSync(path.join(dir, `${t.name}.csv`), lines.join('\n') + '\n');
    console.log(`wrote ${t.name}.csv (${SECONDS * HZ} frames around ${t.meanMbps} Mbps)`);
  }
}

main();
