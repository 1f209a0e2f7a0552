/**
 * The figures of the HTML report as Vega-Lite specifications (Satyanarayan et al., "Vega-Lite: A
 * Grammar of Interactive Graphics", IEEE TVCG 2017), built from stored fields only. Each builder is
 * pure and returns either a spec with inline data or the sentence saying why the figure is omitted.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Analysis, CutPoint } from '../core/analysis';
import { recordedMetric } from '../core/metric-info';
import type { LossBudget } from './loss-budget';
import { comparePlans, hasTimes, reportBandwidthsMbps } from './plan-comparison';
import { bitsText, mbpsText, ppText } from './report-format';
import { chartCuts } from './chart-cuts';
import { cutLabel } from './setup-text';

/** Names of the report's figures, in page order. */
export type ChartId =
  'latency-along-network' | 'size-per-cut' | 'loss-heatmap' | 'latency-vs-bandwidth' | 'decision-regions';

/** One figure: its spec, or why it is omitted. */
export interface ChartFigure {
  readonly id: ChartId;
  readonly title: string;
  /** What is drawn, with units. */
  readonly caption: string;
  /** The Vega-Lite spec; absent when the analysis lacks the data. */
  readonly spec?: TopLevelSpec;
  /** Why the figure is omitted (a sentence), when `spec` is absent. */
  readonly omitted?: string;
}

/** Bandwidth range of the latency curves, Mbps (the decision table's default range). */
export const CURVE_RANGE_MBPS = { from: 0.1, to: 1000 } as const;

/** Points per decade of bandwidth on the latency curves. */
const POINTS_PER_DECADE = 40;

/** Width of a chart's plot area, px (the page is about 1200 px wide). */
const PLOT_WIDTH = 1020;

/** System fonts only: the report must not load anything. */
export const CHART_FONT =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif';

/** Cut points beyond which the x axis shows indices instead of "#i op" labels. */
const MAX_LABELLED_CUTS = 60;

const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#ca8a04',
  '#db2777',
  '#4b5563',
  '#65a30d',
];

/**
 * The legend of the line charts, above the plot. Colour and dash encode the same field with the same
 * legend, so Vega-Lite merges them into one legend whose symbols show both.
 */
const TOP_LEGEND = { orient: 'top', direction: 'horizontal', symbolType: 'stroke', symbolSize: 300 } as const;

/** The Vega-Lite config shared by every figure: readable fonts, light grid, no frame. */
export const CHART_CONFIG = {
  font: CHART_FONT,
  background: '#ffffff',
  padding: 8,
  view: { stroke: null },
  axis: {
    labelFontSize: 12,
    titleFontSize: 13,
    titleFontWeight: 500,
    titleColor: '#111827',
    labelColor: '#374151',
    gridColor: '#e5e7eb',
    domainColor: '#9ca3af',
    tickColor: '#9ca3af',
  },
  legend: {
    labelFontSize: 12,
    titleFontSize: 12,
    titleFontWeight: 600,
    labelLimit: 420,
    symbolStrokeWidth: 2.5,
  },
  line: { strokeWidth: 2.25 },
  point: { size: 36, filled: true },
} as const;

/**
 * Tick values of a log axis covering [min, max]: the decades, plus 2 and 5 times them when the range
 * spans fewer than four decades (the default ticks crowd the labels and the grid).
 */
function logTicks(values: readonly number[]): number[] {
  const pos = values.filter((v) => v > 0 && Number.isFinite(v));
  if (pos.length === 0) return [1];
  // NOTE: reduce, not Math.min(...pos): 200,000 cut points would overflow the stack as arguments.
  const lo = Math.floor(Math.log10(pos.reduce((a, b) => Math.min(a, b), Infinity)));
  const hi = Math.ceil(Math.log10(pos.reduce((a, b) => Math.max(a, b), -Infinity)));
  const steps = hi - lo < 4 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let d = lo; d <= hi; d++)
    for (const m of steps) ticks.push(Number((m * Math.pow(10, d)).toPrecision(3)));
  return ticks.filter((t) => t <= Math.pow(10, hi));
}

/** The x encoding of a per-cut-point chart: "#i op" labels in network order, or the index for big networks. */
function cutX(cuts: readonly CutPoint[]) {
  if (cuts.length > MAX_LABELLED_CUTS) {
    return {
      field: 'index',
      type: 'quantitative' as const,
      title: 'cut point index (execution order)',
      axis: { tickMinStep: 1 },
    };
  }
  return {
    field: 'cut',
    type: 'ordinal' as const,
    sort: cuts.map((c) => cutLabel(c)),
    title: 'cut point (index and op producing the cut tensor), input → output',
    axis: { labelAngle: -45, labelLimit: 240 },
  };
}

/** Figure (a): the predicted (and measured, when stored) time of the edge part and the cloud part at every cut point. */
export function latencyAlongNetworkChart(analysis: Analysis): ChartFigure {
  const id = 'latency-along-network';
  const title = 'Edge and cloud time along the network';
  if (!hasTimes(analysis) || !analysis.profiles) {
    return {
      id,
      title,
      caption: '',
      omitted:
        'The analysis has no device profiles, so the cut points have no predicted edge or cloud times.',
    };
  }
  const p = analysis.profiles;
  const edge = `edge part, predicted (${p.edge.label})`;
  const cloud = `cloud part, predicted (${p.cloud.label})`;
  const edgeMeasured = 'edge part, measured (real edge model)';
  const cloudMeasured = 'cloud part, measured (real cloud model)';
  const drawn = chartCuts(analysis.cutPoints);
  const values = drawn.cuts.flatMap((c) => {
    const base = { index: c.index, cut: cutLabel(c), tensor: c.tensors[0] };
    const rows = [
      { ...base, series: edge, ms: c.edgeMs },
      { ...base, series: cloud, ms: c.cloudMs },
    ];
    if (c.edgeMeasuredMs !== undefined) rows.push({ ...base, series: edgeMeasured, ms: c.edgeMeasuredMs });
    if (c.cloudMeasuredMs !== undefined) rows.push({ ...base, series: cloudMeasured, ms: c.cloudMeasuredMs });
    return rows;
  });
  const domain = [edge, cloud, edgeMeasured, cloudMeasured].filter((s) => values.some((v) => v.series === s));
  const colors: Record<string, string> = {
    [edge]: PALETTE[0],
    [cloud]: PALETTE[1],
    [edgeMeasured]: '#93c5fd',
    [cloudMeasured]: '#fca5a5',
  };
  const spec: TopLevelSpec = {
    config: CHART_CONFIG,
    width: PLOT_WIDTH,
    height: 300,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: cutX(analysis.cutPoints),
      y: { field: 'ms', type: 'quantitative', title: 'time per sample, ms' },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain, range: domain.map((s) => colors[s]) },
        legend: TOP_LEGEND,
      },
      strokeDash: {
        field: 'series',
        type: 'nominal',
        scale: {
          domain,
          range: domain.map((s) => (s === edgeMeasured || s === cloudMeasured ? [5, 3] : [1, 0])),
        },
        title: null,
        legend: TOP_LEGEND,
      },
    },
  };
  return {
    id,
    title,
    spec,
    caption:
      `Predicted time per sample (ms) of the part that runs on the edge device and of the part that runs in the cloud, ` +
      `if the network is cut at each cut point (x, in execution order). ` +
      `Edge: ${p.edge.label} (${p.edge.kind}); cloud: ${p.cloud.label} (${p.cloud.kind}).` +
      (domain.length > 2
        ? ' Light dashed lines: the measured time of the real split model of each cut point.'
        : '') +
      drawn.note,
  };
}

/** Figure (b): bytes per sample at every cut point, raw float32 and compressed at each swept bit width (log scale). */
export function sizePerCutChart(analysis: Analysis): ChartFigure {
  const id = 'size-per-cut';
  const title = 'Transmitted size per cut point';
  const raw = 'float32 (raw)';
  const drawn = chartCuts(analysis.cutPoints);
  const values: { index: number; cut: string; series: string; bytes: number }[] = drawn.cuts.map((c) => ({
    index: c.index,
    cut: cutLabel(c),
    series: raw,
    bytes: c.bytes,
  }));
  const byIndex = new Map(drawn.cuts.map((c) => [c.index, c]));
  const bits = [...new Set((analysis.sweep ?? []).map((r) => r.bits))].sort((a, b) => a - b);
  for (const r of analysis.sweep ?? []) {
    const c = byIndex.get(r.cut);
    if (c && r.bytesMean > 0)
      values.push({ index: c.index, cut: cutLabel(c), series: bitsText(r.bits), bytes: r.bytesMean });
  }
  const domain = [raw, ...bits.map(bitsText)];
  const spec: TopLevelSpec = {
    config: CHART_CONFIG,
    width: PLOT_WIDTH,
    height: 340,
    data: { values: values.filter((v) => v.bytes > 0) },
    mark: { type: 'line', point: true },
    encoding: {
      x: cutX(analysis.cutPoints),
      y: {
        field: 'bytes',
        type: 'quantitative',
        scale: { type: 'log' },
        title: 'bytes per sample (log scale)',
        axis: { values: logTicks(values.map((v) => v.bytes)), format: '~s' },
      },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain, range: ['#111827', ...bits.map((_, i) => PALETTE[i % PALETTE.length])] },
        legend: TOP_LEGEND,
      },
      strokeDash: {
        field: 'series',
        type: 'nominal',
        scale: { domain, range: domain.map((s) => (s === raw ? [6, 3] : [1, 0])) },
        title: null,
        legend: TOP_LEGEND,
      },
    },
  };
  return {
    id,
    title,
    spec,
    caption:
      'Bytes sent per sample (log scale) if the network is cut at each cut point: the cut tensors as raw float32 (dashed), and ' +
      (bits.length > 0
        ? `their mean encoded size at each bit width of the compression sweep ` +
          `(normalized, quantized and entropy coded; mean over ${analysis.data?.sizeSamples ?? 'the encoded'} samples).`
        : 'no compressed sizes: the analysis has no compression sweep (run jalad analyze with --data).') +
      drawn.note,
  };
}

/**
 * Figure (c): the accuracy loss (pp) over cut point × bit width, each cell labelled
 * "loss / 95% upper bound", cells within the budget outlined.
 */
// eslint-disable-next-line max-lines-per-function -- one declarative Vega-Lite spec (data, marks, scales, legend) that reads best whole
export function lossHeatmapChart(analysis: Analysis, budget: LossBudget): ChartFigure {
  const id = 'loss-heatmap';
  const title = 'Accuracy loss by cut point and bit width';
  if (!analysis.sweep || analysis.sweep.length === 0) {
    return {
      id,
      title,
      caption: '',
      omitted: 'The analysis has no compression sweep (no --data), so there are no measured losses.',
    };
  }
  const byIndex = new Map(analysis.cutPoints.map((c) => [c.index, c]));
  const values = analysis.sweep.flatMap((r) => {
    const c = byIndex.get(r.cut);
    if (!c) return [];
    return [
      {
        index: c.index,
        cut: cutLabel(c),
        bits: bitsText(r.bits),
        bitsN: r.bits,
        loss: r.lossPct,
        upper: r.lossUpperPct,
        ok: r.lossUpperPct <= budget.pct ? 'yes' : 'no',
        label: `${ppText(r.lossPct)} / ${ppText(r.lossUpperPct)}${r.stoppedEarly ? '†' : ''}`,
      },
    ];
  });
  const bits = [...new Set(analysis.sweep.map((r) => r.bits))].sort((a, b) => a - b).map(bitsText);
  const swept = new Set(values.map((v) => v.index));
  const cuts = analysis.cutPoints.filter((c) => swept.has(c.index)).map(cutLabel);
  // NOTE: losses span from slightly negative (the split model got lucky) to tens of points; a symlog
  // colour scale keeps both the sub-point differences and the collapses visible. Text turns white
  // on the darkest third of the scale.
  const maxLoss = Math.max(0, ...values.map((v) => v.loss));
  const whiteFrom = Math.expm1(Math.log1p(maxLoss) * 0.6);
  const spec: TopLevelSpec = {
    config: CHART_CONFIG,
    data: { values },
    width: { step: Math.max(84, Math.min(130, Math.floor(PLOT_WIDTH / Math.max(1, bits.length)))) },
    height: { step: 24 },
    encoding: {
      x: {
        field: 'bits',
        type: 'ordinal',
        sort: bits,
        title: 'bit width c of the codes',
        axis: { orient: 'top', labelAngle: 0 },
      },
      y: { field: 'cut', type: 'ordinal', sort: cuts, title: 'cut point', axis: { labelLimit: 260 } },
    },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: {
          color: {
            field: 'loss',
            type: 'quantitative',
            title: 'loss, pp',
            scale: { type: 'symlog', scheme: 'yelloworangered' },
            legend: {
              orient: 'right',
              gradientLength: 260,
              format: 'd',
              values: [0, 1, 2, 5, 10, 20, 50, 100].filter((v) => v <= Math.max(1, maxLoss)),
            },
          },
          stroke: { condition: { test: "datum.ok === 'yes'", value: '#111827' }, value: '#ffffff' },
          strokeWidth: { condition: { test: "datum.ok === 'yes'", value: 2 }, value: 0.5 },
        },
      },
      {
        mark: { type: 'text', fontSize: 11.5 },
        encoding: {
          text: { field: 'label', type: 'nominal' },
          color: { condition: { test: `datum.loss >= ${whiteFrom}`, value: '#ffffff' }, value: '#111827' },
        },
      },
    ],
  };
  return {
    id,
    title,
    spec,
    caption:
      `Accuracy loss in percentage points (unsplit minus split ${analysis.data ? recordedMetric(analysis.data).name : 'top1'} ` +
      `on ${analysis.data?.samples ?? 'the'} samples) ` +
      `when the cut tensor is sent with c-bit codes. ` +
      `Each cell reads "loss / one-sided 95% upper bound"; outlined cells have an upper bound within the budget of ${budget.text}.` +
      (analysis.sweep.some((r) => r.stoppedEarly)
        ? ' †: stopped early, the loss already exceeded the budget.'
        : ''),
  };
}

/** Log-spaced bandwidths over [from, to] plus the report's own bandwidths, ascending. */
function curveBandwidths(analysis: Analysis): number[] {
  const { from, to } = CURVE_RANGE_MBPS;
  const steps = Math.round(Math.log10(to / from) * POINTS_PER_DECADE);
  const xs = Array.from({ length: steps + 1 }, (_, k) => from * Math.pow(10, k / POINTS_PER_DECADE));
  for (const b of reportBandwidthsMbps(analysis)) if (b >= from && b <= to) xs.push(b);
  return [...new Set(xs)].sort((a, b) => a - b);
}

/** Figure (d): predicted latency against bandwidth (log-log) of edge-only, cloud-only, the best raw cut and JALAD. */
// eslint-disable-next-line max-lines-per-function -- one declarative Vega-Lite spec (four curves, data, layers), read whole
export function latencyVsBandwidthChart(analysis: Analysis, budget: LossBudget): ChartFigure {
  const id = 'latency-vs-bandwidth';
  const title = 'Latency against uplink bandwidth';
  if (!hasTimes(analysis)) {
    return {
      id,
      title,
      caption: '',
      omitted: 'The analysis has no device profiles, so there are no predicted latencies.',
    };
  }
  const names = {
    edge: 'edge-only',
    cloud: 'cloud-only',
    raw: 'best raw cut (Neurosurgeon-style)',
    jalad: `JALAD (loss bound ≤ ${budget.pct} pp)`,
  };
  const values: { mbps: number; series: string; ms: number; plan: string }[] = [];
  for (const b of curveBandwidths(analysis)) {
    const c = comparePlans(analysis, b, budget.pct)!;
    values.push({ mbps: b, series: names.edge, ms: c.edgeOnly.totalMs, plan: `#${c.edgeOnly.cut}` });
    values.push({ mbps: b, series: names.cloud, ms: c.cloudOnly.totalMs, plan: `#${c.cloudOnly.cut}` });
    values.push({ mbps: b, series: names.raw, ms: c.neurosurgeon.totalMs, plan: `#${c.neurosurgeon.cut}` });
    if (c.jalad)
      values.push({
        mbps: b,
        series: names.jalad,
        ms: c.jalad.totalMs,
        plan: `#${c.jalad.cut} ${bitsText(c.jalad.bits)}`,
      });
  }
  const domain = [names.edge, names.cloud, names.raw, names.jalad].filter((s) =>
    values.some((v) => v.series === s),
  );
  const colors: Record<string, string> = {
    [names.edge]: '#6b7280',
    [names.cloud]: '#a16207',
    [names.raw]: PALETTE[0],
    [names.jalad]: PALETTE[1],
  };
  const dashes: Record<string, number[]> = {
    [names.edge]: [6, 4],
    [names.cloud]: [2, 3],
    [names.raw]: [1, 0],
    [names.jalad]: [1, 0],
  };
  const marks = reportBandwidthsMbps(analysis)
    .filter((b) => b >= CURVE_RANGE_MBPS.from && b <= CURVE_RANGE_MBPS.to)
    .map((b) => ({ mbps: b, label: `${mbpsText(b)} Mbps` }));
  const x = {
    field: 'mbps',
    type: 'quantitative' as const,
    title: 'uplink bandwidth, Mbps (log scale)',
    scale: { type: 'log' as const, domain: [CURVE_RANGE_MBPS.from, CURVE_RANGE_MBPS.to] },
    axis: { values: [0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000], format: '~g' },
  };
  const spec: TopLevelSpec = {
    config: CHART_CONFIG,
    width: PLOT_WIDTH,
    height: 380,
    layer: [
      {
        data: { values: marks },
        mark: { type: 'rule', color: '#9ca3af', strokeDash: [3, 3] },
        encoding: { x },
      },
      {
        data: { values: marks },
        mark: {
          type: 'text',
          align: 'left',
          baseline: 'top',
          dx: 4,
          dy: 4,
          y: 0,
          fontSize: 11.5,
          color: '#4b5563',
        },
        encoding: { x, text: { field: 'label', type: 'nominal' } },
      },
      // NOTE: the split decisions first, the dashed baselines on top: where the best raw cut is edge-only
      // (or cloud-only) the curves coincide, and the dashes must stay visible.
      ...[
        values.filter((v) => v.series === names.raw || v.series === names.jalad),
        values.filter((v) => v.series === names.edge || v.series === names.cloud),
      ].map((part) => ({
        data: { values: part },
        mark: { type: 'line' as const, clip: true },
        encoding: {
          x,
          y: {
            field: 'ms',
            type: 'quantitative' as const,
            scale: { type: 'log' as const },
            title: 'predicted latency per sample, ms (log scale)',
            axis: { values: logTicks(values.map((v) => v.ms)), format: '~g' },
          },
          color: {
            field: 'series',
            type: 'nominal' as const,
            title: null,
            scale: { domain, range: domain.map((s) => colors[s]) },
            legend: TOP_LEGEND,
          },
          strokeDash: {
            field: 'series',
            type: 'nominal' as const,
            scale: { domain, range: domain.map((s) => dashes[s]) },
            title: null,
            legend: TOP_LEGEND,
          },
        },
      })),
    ],
  };
  return {
    id,
    title,
    spec,
    caption:
      `Predicted end-to-end latency per sample (ms, log scale) against the uplink bandwidth ` +
      `(Mbps, log scale, ${CURVE_RANGE_MBPS.from} to ${CURVE_RANGE_MBPS.to}): ` +
      `edge ms + RTT + bytes·8/bandwidth + cloud ms with RTT = ${analysis.rttMs ?? 0} ms. The best raw cut sends float32 tensors; ` +
      (domain.includes(names.jalad)
        ? `JALAD is the fastest (cut point, bit width) whose loss upper bound is within ${budget.text}.`
        : `there is no JALAD curve: ` +
          `${analysis.sweep ? 'no swept (cut, bit width) meets the budget' : 'the analysis has no compression sweep'}.`) +
      ' Where a baseline coincides with the best raw cut, its dashes run over the solid line.' +
      ' Dotted verticals: the bandwidths of the tables.',
  };
}

/** Figure (e): the stored decision table as bands over bandwidth (log scale), one colour per plan. */
export function decisionRegionsChart(analysis: Analysis, budget: LossBudget): ChartFigure {
  const id = 'decision-regions';
  const title = 'Decision regions';
  const ds = analysis.decisions;
  if (!ds || ds.length === 0) {
    return {
      id,
      title,
      caption: '',
      omitted: 'The analysis has no decision table, so there are no decision regions to draw.',
    };
  }
  const planOf = (d: (typeof ds)[number]) => {
    const c = analysis.cutPoints.find((x) => x.index === d.cut);
    return `${c ? cutLabel(c) : d.tensors.map((t) => t.name).join(' + ')} · ${bitsText(d.bits)}`;
  };
  const plans = [...new Set(ds.map(planOf))];
  const lo = Math.min(...ds.map((d) => d.fromMbps));
  const hi = Math.max(...ds.map((d) => d.toMbps));
  const span = Math.log10(hi / lo) || 1;
  const values = ds.map((d) => ({
    from: d.fromMbps,
    to: d.toMbps,
    mid: Math.sqrt(d.fromMbps * d.toMbps),
    plan: planOf(d),
    // Label a band in place only when it is wide enough to hold it.
    label:
      Math.log10(d.toMbps / d.fromMbps) / span > 0.09
        ? `#${d.cut >= 0 ? d.cut : '?'} ${bitsText(d.bits)}`
        : '',
  }));
  const x = {
    type: 'quantitative' as const,
    scale: { type: 'log' as const, domain: [lo, hi] },
    axis: {
      values: [0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000].filter((v) => v >= lo && v <= hi),
      format: '~g',
    },
  };
  const spec: TopLevelSpec = {
    config: CHART_CONFIG,
    width: PLOT_WIDTH,
    height: 56,
    data: { values },
    layer: [
      {
        mark: { type: 'rect', stroke: '#ffffff', strokeWidth: 1.5 },
        encoding: {
          x: { ...x, field: 'from', title: 'uplink bandwidth, Mbps (log scale)' },
          x2: { field: 'to' },
          color: {
            field: 'plan',
            type: 'nominal',
            title: null,
            scale: { domain: plans, range: plans.map((_, i) => PALETTE[i % PALETTE.length]) },
            legend: { orient: 'bottom', direction: 'horizontal', columns: 3 },
          },
        },
      },
      {
        mark: { type: 'text', color: '#ffffff', fontSize: 12, fontWeight: 600 },
        encoding: { x: { ...x, field: 'mid' }, text: { field: 'label', type: 'nominal' } },
      },
    ],
  };
  return {
    id,
    title,
    spec,
    caption:
      `The fastest plan for every uplink bandwidth from ${mbpsText(lo)} to ${mbpsText(hi)} Mbps (log scale) ` +
      `within the budget of ${budget.text}, ` +
      'as the stored decision table gives it; band edges are its breakpoints.',
  };
}

/** All five figures of the report, in page order (omitted ones carry the reason). */
export function reportCharts(analysis: Analysis, budget: LossBudget): ChartFigure[] {
  return [
    latencyAlongNetworkChart(analysis),
    sizePerCutChart(analysis),
    lossHeatmapChart(analysis, budget),
    latencyVsBandwidthChart(analysis, budget),
    decisionRegionsChart(analysis, budget),
  ];
}
