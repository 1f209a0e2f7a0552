/**
 * The HTML report: one self-contained page (inline CSS and SVG, no script, no external resource; a
 * Content-Security-Policy forbids any load) with a summary, the setup, the speed-up table of the JALAD
 * paper (Li et al., ICPADS 2018), five figures drawn by Vega-Lite at report time, and the tables.
 * Every number is a stored field, or `predictedLatencyMs` applied to stored fields.
 */
import type { Analysis } from '../core/analysis';
import { recordedMetric } from '../core/metric-info';
import { sweepCodecMs } from '../core/latency';
import { coderName } from './sweep-table';
import { checkReportable } from './report-input';
import { firstNames, MAX_REPORT_CUT_ROWS, shownCuts } from './cut-rows';
import { formatCount, formatShape } from './cut-table';
import { reportCharts, type ChartFigure } from './chart-specs';
import { REPORT_CSS } from './html-style';
import { latencyFormulaText } from './latency-model';
import { lossBudget, smallestBitsWithinBudget, type LossBudget } from './loss-budget';
import {
  comparePlans,
  reportBandwidthsMbps,
  type PlanComparison,
  type StrategyLatency,
} from './plan-comparison';
import { bitsText, kbText, mbpsText, msText, ppText, speedupText } from './report-format';
import type { ReportOptions } from './report-options';
import {
  assumptionNotes,
  cutLabel,
  dataText,
  lossText,
  machineText,
  modelName,
  modelText,
  profileText,
  settingsText,
  trivialCutsText,
} from './setup-text';
import { renderSvg } from './svg-render';

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const e = escapeHtml;

/** A tensor name as code that may wrap only after its slashes. */
function tensorHtml(name: string): string {
  return `<code>${e(name).replace(/\//g, '/<wbr>')}</code>`;
}

interface Column {
  readonly head: string;
  readonly num?: boolean;
}

function htmlTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  rowClass?: (i: number) => string,
): string {
  const head = columns.map((c) => `<th${c.num ? ' class="num"' : ''}>${e(c.head)}</th>`).join('');
  const body = rows
    .map(
      (r, i) =>
        `<tr${rowClass?.(i) ? ` class="${rowClass(i)}"` : ''}>` +
        `${r.map((cell, j) => `<td${columns[j]?.num ? ' class="num"' : ''}>${cell}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function planHtml(analysis: Analysis, s: StrategyLatency, withBits: boolean): string {
  const c = analysis.cutPoints.find((x) => x.index === s.cut);
  const title = c ? ` title="${e(firstNames(c.tensors, (t) => t).join(' + '))}"` : '';
  return (
    `<span class="nowrap"><span${title}>` +
    `${e(c ? cutLabel(c) : `#${s.cut}`)}${withBits ? ` @ ${e(bitsText(s.bits))}` : ''}</span>` +
    `: ${e(msText(s.totalMs))} ms</span>`
  );
}

function summaryCards(
  analysis: Analysis,
  budget: LossBudget,
  comparisons: readonly PlanComparison[],
): string {
  const m = analysis.model;
  const cards = [
    {
      k: 'model',
      v: `${formatCount(m.nodes)} nodes`,
      d: `${formatCount(m.parameters)} parameters · ${analysis.cutPoints.length} cut points`,
    },
  ];
  const d = analysis.data;
  if (d)
    cards.push({
      k: 'data',
      v:
        recordedMetric(d).name === 'agreement'
          ? 'unlabelled'
          : `${(d.referenceAccuracy * 100).toFixed(2)}% ${recordedMetric(d).name === 'top1' ? 'top-1' : recordedMetric(d).name}`,
      d: `${formatCount(d.samples)} samples · seed ${d.seed}`,
    });
  cards.push({
    k: 'accuracy budget',
    v: `≤ ${budget.pct} pp`,
    d:
      budget.source === 'default'
        ? 'default (no --max-loss recorded)'
        : budget.source === 'analysis'
          ? "the analysis's budget"
          : "the sweep's --max-loss",
  });
  const html = cards.map(
    (c) =>
      `<div class="card"><div class="k">${e(c.k)}</div><div class="v">${e(c.v)}</div><div class="d">${e(c.d)}</div></div>`,
  );
  for (const c of comparisons) {
    const j = c.jalad;
    if (!j) continue;
    const cut = analysis.cutPoints.find((x) => x.index === j.cut);
    html.push(
      `<div class="card accent"><div class="k">JALAD at ${e(mbpsText(c.bandwidthMbps))} Mbps</div>` +
        `<div class="v">${e(msText(j.totalMs))} ms</div>` +
        `<div class="d">${e(cut ? cutLabel(cut) : `#${j.cut}`)} · ${e(bitsText(j.bits))} · ` +
        `${e(speedupText(c.edgeOnly.totalMs, j.totalMs))} vs edge-only · ` +
        `${e(speedupText(c.cloudOnly.totalMs, j.totalMs))} vs cloud-only</div></div>`,
    );
  }
  return `<div class="cards">${html.join('\n')}</div>`;
}

function setupSection(analysis: Analysis, budget: LossBudget, options: ReportOptions): string {
  const facts: [string, string][] = [];
  const m = analysis.model;
  facts.push(['model', `<code>${e(m.path)}</code>: ${e(modelText(analysis))}`]);
  facts.push(['SHA-256', `<code>${e(m.sha256)}</code>`]);
  facts.push([
    'inputs / outputs',
    `${firstNames(m.inputs, (i) => `<code>${e(i.name)}</code> ${e(formatShape(i.dims))}`).join(', ')} → ` +
      `${firstNames(m.outputs, (o) => `<code>${e(o)}</code>`).join(', ')}`,
  ]);
  const p = analysis.profiles;
  const machine = machineText(p?.edge.machine);
  facts.push(['machine', machine ? e(machine) : 'not recorded (no measured edge profile)']);
  if (p) {
    for (const side of ['edge', 'cloud'] as const) {
      const q = p[side];
      const settings = settingsText(q.settings);
      const otherMachine = side === 'cloud' ? machineText(q.machine) : undefined;
      facts.push([
        `${side} profile`,
        `${e(profileText(q))}; ${e(msText(q.runOverheadMs))} ms per run call${settings ? `; ${e(settings)}` : ''}` +
          (otherMachine && otherMachine !== machine ? `; machine: ${e(otherMachine)}` : ''),
      ]);
    }
  } else {
    facts.push(['profiles', 'none: the analysis has no predicted times']);
  }
  if (analysis.data) {
    facts.push(['data', e(dataText(analysis.data))]);
    facts.push(['seed', e(String(analysis.data.seed))]);
    const opts = settingsText(analysis.data.options);
    if (opts) facts.push(['data options', e(opts)]);
  } else {
    facts.push([
      'data',
      'none: no compression sweep (run <code>jalad analyze</code> with <code>--data</code>)',
    ]);
  }
  facts.push([
    'loss',
    analysis.data
      ? e(lossText(analysis.data))
      : 'unsplit minus split top-1 accuracy in percentage points (pp), with a one-sided 95% upper bound from the paired outcomes',
  ]);
  facts.push(['budget', e(budget.text)]);
  facts.push(['RTT', `${e(String(analysis.rttMs ?? 0))} ms`]);
  facts.push([
    'jalad',
    `version ${e(analysis.jalad)}; analysis format ${analysis.version}; created ${e(analysis.createdAt)}`,
  ]);
  const dl = `<dl class="facts">${facts.map(([k, v]) => `<dt>${e(k)}</dt><dd>${v}</dd>`).join('\n')}</dl>`;
  const parts = ['<section id="setup"><h2>Setup</h2>', dl];
  if (options.commandLine) parts.push('<h3>Command line</h3>', `<pre>${e(options.commandLine)}</pre>`);
  if (p) {
    const assumptions = [
      ...assumptionNotes(p.edge).map((n) => `edge: ${n}`),
      ...assumptionNotes(p.cloud).map((n) => `cloud: ${n}`),
    ];
    for (const a of assumptions)
      parts.push(`<div class="callout"><strong>Assumption.</strong> ${e(a)}.</div>`);
    const shown = new Set([...assumptionNotes(p.edge), ...assumptionNotes(p.cloud)]);
    const notes = [
      ...p.edge.notes.filter((n) => !shown.has(n)).map((n) => `edge: ${n}`),
      ...p.cloud.notes.filter((n) => !shown.has(n) && !p.edge.notes.includes(n)).map((n) => `cloud: ${n}`),
    ];
    if (notes.length > 0)
      parts.push(
        '<h3>Profile notes</h3>',
        `<ul class="notes">${notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>`,
      );
  }
  parts.push('</section>');
  return parts.join('\n');
}

function speedupSection(
  analysis: Analysis,
  budget: LossBudget,
  comparisons: readonly (PlanComparison | undefined)[],
): string {
  const bws = reportBandwidthsMbps(analysis);
  const title = `<h2>Speed-up at ${e(bws.map(mbpsText).join(' / '))} Mbps</h2>`;
  if (comparisons.some((c) => c === undefined)) {
    return (
      `<section id="speedup">${title}<p>No speed-up table: ` +
      `the cut points have no predicted edge and cloud times (the analysis has no profiles).</p></section>`
    );
  }
  const cols: Column[] = [
    { head: 'uplink, Mbps', num: true },
    { head: 'edge-only, ms', num: true },
    { head: 'cloud-only, ms', num: true },
    { head: 'best raw cut (Neurosurgeon-style)' },
    { head: `JALAD (loss bound ≤ ${budget.pct} pp)` },
    { head: 'JALAD speed-up vs edge-only', num: true },
    { head: 'vs cloud-only', num: true },
    { head: 'vs raw cut', num: true },
  ];
  const rows = comparisons.map((c) => {
    const x = c!;
    const j = x.jalad;
    return [
      e(mbpsText(x.bandwidthMbps)),
      e(msText(x.edgeOnly.totalMs)),
      e(msText(x.cloudOnly.totalMs)),
      planHtml(analysis, x.neurosurgeon, false),
      j ? `<b>${planHtml(analysis, j, true)}</b>` : 'none within the budget',
      ...(j
        ? [
            speedupText(x.edgeOnly.totalMs, j.totalMs),
            speedupText(x.cloudOnly.totalMs, j.totalMs),
            speedupText(x.neurosurgeon.totalMs, j.totalMs),
          ].map(e)
        : ['–', '–', '–']),
    ];
  });
  const notes = [
    `<p class="formula">${e(latencyFormulaText(analysis))}. ` +
      `Budget: ${e(budget.text)}, applied to each sweep row's one-sided 95% upper bound.</p>`,
  ];
  if (!analysis.sweep)
    notes.push(
      '<p>No compression sweep, so no JALAD column: run <code>jalad analyze</code> with <code>--data</code>.</p>',
    );
  return `<section id="speedup">${title}\n${htmlTable(cols, rows)}\n${notes.join('\n')}</section>`;
}

async function figureHtml(figure: ChartFigure, n: number): Promise<string> {
  const heading = `<b>Figure ${n}. ${e(figure.title)}.</b>`;
  if (!figure.spec) {
    return (
      `<figure class="omitted" id="${figure.id}"><figcaption>` +
      `${heading} Not drawn: ${e(figure.omitted ?? 'no data')}</figcaption></figure>`
    );
  }
  const { svg } = await renderSvg(figure.spec, `fig${n}`);
  return `<figure id="${figure.id}"><div class="chart">${svg}</div><figcaption>${heading} ${e(figure.caption)}</figcaption></figure>`;
}

function cutSection(analysis: Analysis, budget: LossBudget): string {
  const swept = analysis.sweep !== undefined;
  const cols: Column[] = [
    { head: '#', num: true },
    { head: 'tensor' },
    { head: 'op' },
    { head: 'shape' },
    { head: 'raw KB', num: true },
  ];
  if (swept)
    cols.push(
      { head: 'bits', num: true },
      { head: 'compressed KB', num: true },
      { head: 'loss pp (95% upper)', num: true },
    );
  const codecTimed = swept && analysis.profiles !== undefined;
  if (codecTimed) cols.push({ head: 'encode ms', num: true }, { head: 'decode ms', num: true });
  if (analysis.cutPoints.some((c) => c.edgeMs !== undefined))
    cols.push({ head: 'edge ms', num: true }, { head: 'cloud ms', num: true });
  const timed = cols.some((c) => c.head === 'edge ms');
  const { shown, omittedNote } = shownCuts(analysis.cutPoints, MAX_REPORT_CUT_ROWS);
  const rows = shown.map((c) => {
    const row = [
      String(c.index),
      firstNames(c.tensors, tensorHtml).join(' + '),
      e(c.op),
      `<span class="nowrap">${e(formatShape(c.shape))}</span>`,
      e(c.sizeUnknown ? 'unknown' : kbText(c.bytes)),
    ];
    if (swept) {
      const r = smallestBitsWithinBudget(analysis, c.index, budget.pct);
      row.push(
        ...(r
          ? [String(r.bits), e(kbText(r.bytesMean)), `${e(ppText(r.lossPct))} (${e(ppText(r.lossUpperPct))})`]
          : ['–', '–', 'none within budget']),
      );
      if (codecTimed) {
        const ms = r?.encodeMs !== undefined ? sweepCodecMs(r, analysis.profiles) : undefined;
        row.push(ms ? e(msText(ms.encodeMs)) : '–', ms ? e(msText(ms.decodeMs)) : '–');
      }
    }
    if (timed)
      row.push(
        c.edgeMs !== undefined ? e(msText(c.edgeMs)) : '–',
        c.cloudMs !== undefined ? e(msText(c.cloudMs)) : '–',
      );
    return row;
  });
  const note = swept
    ? `raw KB = float32 bytes per sample / 1000. Compressed KB = mean encoded bytes per sample (${e(coderName(analysis.data?.coder))}) ` +
      `at the smallest bit width whose one-sided 95% upper bound on the loss is within ${e(budget.text)}; ` +
      `loss = measured loss in pp (its upper bound)` +
      (codecTimed
        ? `; encode ms / decode ms = the codec's predicted time on the edge / cloud device at that width.`
        : '.')
    : 'raw KB = float32 bytes per sample / 1000. No compression sweep: ' +
      'run <code>jalad analyze</code> with <code>--data</code> for compressed sizes and losses.';
  return (
    `<section id="cut-points"><h2>Cut points</h2><p>${e(trivialCutsText(analysis))}.</p>\n` +
    `${htmlTable(cols, rows)}\n${omittedNote ? `<p>${e(omittedNote)}.</p>\n` : ''}<p class="formula">${note}</p></section>`
  );
}

function decisionSection(analysis: Analysis, budget: LossBudget): string {
  const ds = analysis.decisions;
  if (!ds || ds.length === 0) return '';
  const cols: Column[] = [
    { head: 'from Mbps', num: true },
    { head: 'to Mbps', num: true },
    { head: 'plan' },
    { head: 'bits' },
    { head: 'sent KB', num: true },
    { head: 'encode ms', num: true },
    { head: 'decode ms', num: true },
    { head: 'total ms (from → to)', num: true },
    { head: 'loss bound pp', num: true },
  ];
  const rows = ds.map((d) => {
    const c = analysis.cutPoints.find((x) => x.index === d.cut);
    const plan = c
      ? `${e(cutLabel(c))} ${tensorHtml(c.tensors[0])}`
      : firstNames(d.tensors, (t) => tensorHtml(t.name)).join(' + ');
    return [
      e(mbpsText(d.fromMbps)),
      e(mbpsText(d.toMbps)),
      plan,
      e(bitsText(d.bits)),
      e(kbText(d.bytes)),
      d.encodeMs !== undefined ? e(msText(d.encodeMs)) : '–',
      d.decodeMs !== undefined ? e(msText(d.decodeMs)) : '–',
      `${e(msText(d.totalMs))} → ${e(msText(d.totalMsAtTo))}`,
      e(ppText(d.predictedLossPct)),
    ];
  });
  return (
    `<section id="decisions"><h2>Decision regions</h2>` +
    `<p>The fastest plan for every uplink bandwidth within ${e(budget.text)}, as the stored decision table gives it.</p>\n` +
    `${htmlTable(cols, rows)}</section>`
  );
}

/**
 * Renders the HTML report of an analysis: one self-contained page, charts as inline SVG.
 *
 * Asynchronous because Vega renders asynchronously; nothing is read or written.
 *
 * @param options.commandLine the command that produced the analysis, shown verbatim in the setup
 * @returns the HTML document (UTF-8 text)
 * @throws InputError `BAD_ANALYSIS` for an analysis of an unknown version or without cut points
 */
export async function renderHtml(analysis: Analysis, options: ReportOptions = {}): Promise<string> {
  checkReportable(analysis, 'renderHtml');
  const budget = lossBudget(analysis);
  const comparisons = reportBandwidthsMbps(analysis).map((b) => comparePlans(analysis, b, budget.pct));
  const figures: string[] = [];
  let n = 0;
  for (const f of reportCharts(analysis, budget)) figures.push(await figureHtml(f, ++n));
  const name = modelName(analysis);
  const header = `<header class="hero"><div class="page">
<div class="eyebrow">jalad report · where to split a network between edge and cloud</div>
<h1>${e(name)}</h1>
<p class="sub"><code>${e(analysis.model.path)}</code> · analysis created ${e(analysis.createdAt)} · jalad ${e(analysis.jalad)}</p>
${summaryCards(
  analysis,
  budget,
  comparisons.filter((c): c is PlanComparison => c !== undefined),
)}
</div></header>`;
  const body = [
    setupSection(analysis, budget, options),
    speedupSection(analysis, budget, comparisons),
    `<section id="figures"><h2>Figures</h2>\n${figures.join('\n')}</section>`,
    cutSection(analysis, budget),
    decisionSection(analysis, budget),
  ].filter((s) => s.length > 0);
  const footer =
    `<footer>Generated by jalad ${e(analysis.jalad)} from analysis.json (format ${analysis.version}). ` +
    `Every number is a field of the analysis, or the latency model applied to its fields: ${e(latencyFormulaText(analysis))}.</footer>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="jalad ${e(analysis.jalad)}">
<title>jalad report: ${e(name)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${header}
<main class="page">
${body.join('\n')}
${footer}
</main>
</body>
</html>
`;
}
