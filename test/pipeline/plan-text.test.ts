/** The summary `jalad split` prints for a solved plan: what it says about the measured loss per metric. */
import type { MetricInfo } from '../../src/core/metric-info';
import { planText } from '../../src/pipeline/command-text';
import type { PlanReport } from '../../src/pipeline/solve-split';

function plan(metric: MetricInfo | undefined): PlanReport {
  return {
    jalad: '0.1.0',
    model: 'm.onnx',
    analysis: 'out/analysis.json',
    cut: ['t'],
    bits: 4,
    coder: 'auto',
    bandwidthMbps: 5.85,
    rttMs: 0,
    maxLossPct: 1,
    ...(metric ? { metric } : {}),
    predictedMs: { edge: 1, encode: 0.1, transfer: 2, decode: 0.1, cloud: 1, rtt: 0, total: 4.2 },
    measured: { lossPct: 0.128, lossUpperPct: 0.941, samples: 200, agreement: 0.6, exact: false },
    rounds: 1,
    edgeNodes: 3,
    cloudNodes: 4,
    wire: [],
    baselines: { edgeOnlyMs: 8, cloudOnlyMs: 16, speedupOverEdgeOnly: 1.9, speedupOverCloudOnly: 3.8 },
    files: { edge: 'edge.onnx', cloud: 'cloud.onnx' },
  };
}

const info = (name: string, outcome: MetricInfo['outcome']): MetricInfo => ({
  name,
  definition: `the ${name} metric`,
  outcome,
  usesLabels: name.startsWith('top'),
});

describe('planText', () => {
  test('class scores (top1, or an analysis from before metrics): the top-1 agreement is printed', () => {
    for (const m of [info('top1', 'pass-fail'), undefined]) {
      const text = planText(plan(m));
      expect(text).toContain('measured loss: 0.128 pp (95% upper 0.941) on 200 samples, agreement 60.00%');
    }
  });

  test('a map metric: no top-1 agreement, which would compare argmaxes of a probability map', () => {
    const text = planText(plan(info('pixel:0.3', 'score')));
    expect(text).toContain('measured loss: 0.128 pp (95% upper 0.941) on 200 samples\n');
    expect(text).not.toContain('agreement 60');
    expect(text).toContain('metric pixel:0.3: the pixel:0.3 metric');
  });
});
