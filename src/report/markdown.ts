/**
 * A Markdown summary of an analysis for a README or a paper draft: model, data, profiles and their
 * assumptions, the condensed cut-point table, the speed-up table of the JALAD paper (Li et al.,
 * ICPADS 2018, Table III style: edge-only, cloud-only, best raw cut, JALAD) and the decision regions.
 * Every number is a stored field, or `predictedLatencyMs` applied to stored fields.
 */
import type { Analysis, SweepRowJson } from '../core/analysis';
import { sweepCodecMs } from '../core/latency';
import { coderName } from './sweep-table';
import { checkReportable } from './report-input';
import { firstNames, MAX_REPORT_CUT_ROWS, shownCuts } from './cut-rows';
import { formatShape } from './cut-table';
import { latencyFormulaText } from './latency-model';
import { lossBudget, smallestBitsWithinBudget, type LossBudget } from './loss-budget';
import { comparePlans, reportBandwidthsMbps, type StrategyLatency } from './plan-comparison';
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

/** Inline code that survives any content (backticks inside get a longer fence). */
function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A table cell: pipes escaped (GFM splits on them even inside code), newlines flattened. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ('l' | 'r')[],
): string[] {
  const rule = align.map((a) => (a === 'r' ? '---:' : ':---'));
  return [head, rule, ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`);
}

function planCell(analysis: Analysis, s: StrategyLatency, withBits: boolean): string {
  const c = analysis.cutPoints.find((x) => x.index === s.cut);
  const what = c ? cutLabel(c) : `#${s.cut}`;
  return `${what}${withBits ? ` @ ${bitsText(s.bits)}` : ''}: ${msText(s.totalMs)} ms`;
}

function profileSection(analysis: Analysis): string[] {
  const p = analysis.profiles;
  if (!p)
    return [
      'No device profiles: the analysis has no predicted times ' +
        '(run `jalad analyze` with profiling), so there is no latency or speed-up table.',
    ];
  const rows = (['edge', 'cloud'] as const).map((side) => {
    const q = p[side];
    return [
      side,
      profileText(q),
      machineText(q.machine) ?? '–',
      settingsText(q.settings) ?? '–',
      msText(q.runOverheadMs),
    ];
  });
  const out = table(['side', 'profile', 'machine', 'settings', 'run overhead ms'], rows, [
    'l',
    'l',
    'l',
    'l',
    'r',
  ]);
  const assumptions = [
    ...assumptionNotes(p.edge).map((n) => `edge: ${n}`),
    ...assumptionNotes(p.cloud).map((n) => `cloud: ${n}`),
  ];
  if (assumptions.length > 0) out.push('', ...assumptions.map((n) => `> **Assumption.** ${n}.`));
  // NOTE: the scaled cloud profile repeats the edge profile's notes; print each note once, assumptions above.
  const shown = new Set([...assumptionNotes(p.edge), ...assumptionNotes(p.cloud)]);
  const notes = [
    ...p.edge.notes.filter((n) => !shown.has(n)).map((n) => `edge: ${n}`),
    ...p.cloud.notes.filter((n) => !shown.has(n) && !p.edge.notes.includes(n)).map((n) => `cloud: ${n}`),
  ];
  if (notes.length > 0) out.push('', 'Profile notes:', '', ...notes.map((n) => `- ${n}`));
  return out;
}

/**
 * The predicted encode and decode ms of a sweep row on the analysis's devices ('–' without a row or
 * for an analysis made before the sweep timed the codec).
 */
function codecCells(analysis: Analysis, r: SweepRowJson | undefined): string[] {
  if (!r || r.encodeMs === undefined) return ['–', '–'];
  const ms = sweepCodecMs(r, analysis.profiles);
  return [msText(ms.encodeMs), msText(ms.decodeMs)];
}

function cutSection(analysis: Analysis, budget: LossBudget): string[] {
  const swept = analysis.sweep !== undefined;
  const head = ['#', 'tensor', 'op', 'shape', 'raw KB'];
  if (swept) head.push('bits', 'compressed KB', 'loss pp (95% upper)');
  const codecTimed = swept && analysis.profiles !== undefined;
  if (codecTimed) head.push('encode ms', 'decode ms');
  const { shown, omittedNote } = shownCuts(analysis.cutPoints, MAX_REPORT_CUT_ROWS);
  const rows = shown.map((c) => {
    const row = [
      String(c.index),
      firstNames(c.tensors, code).join(' + '),
      c.op,
      formatShape(c.shape),
      c.sizeUnknown ? 'unknown' : kbText(c.bytes),
    ];
    if (swept) {
      const r = smallestBitsWithinBudget(analysis, c.index, budget.pct);
      row.push(
        ...(r
          ? [String(r.bits), kbText(r.bytesMean), `${ppText(r.lossPct)} (${ppText(r.lossUpperPct)})`]
          : ['–', '–', 'none within budget']),
      );
      if (codecTimed) row.push(...codecCells(analysis, r));
    }
    return row;
  });
  const out = [
    trivialCutsText(analysis) + '.',
    '',
    ...table(head, rows, ['r', 'l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r']),
  ];
  if (omittedNote) out.push('', `(${omittedNote}.)`);
  out.push(
    '',
    swept
      ? `raw KB = float32 bytes per sample / 1000. Compressed KB = mean encoded bytes per sample (${coderName(analysis.data?.coder)}) ` +
          `at the smallest bit width whose one-sided 95% upper bound on the loss is within the budget of ${budget.text}; ` +
          `loss = measured loss in percentage points (its upper bound)` +
          (codecTimed
            ? `; encode ms / decode ms = the codec's predicted time on the edge / cloud device at that width.`
            : '.')
      : 'raw KB = float32 bytes per sample / 1000. No compression sweep: ' +
          'run `jalad analyze` with `--data` for compressed sizes and losses.',
  );
  return out;
}

function speedupSection(analysis: Analysis, budget: LossBudget): string[] {
  const bws = reportBandwidthsMbps(analysis);
  const comparisons = bws.map((b) => comparePlans(analysis, b, budget.pct));
  if (comparisons.some((c) => c === undefined))
    return ['No speed-up table: the cut points have no predicted edge and cloud times (no profiles).'];
  const head = [
    'uplink Mbps',
    'edge-only ms',
    'cloud-only ms',
    'best raw cut (Neurosurgeon-style)',
    `JALAD (best compressed cut, loss bound ≤ ${budget.pct} pp)`,
    'JALAD speed-up vs edge-only',
    'vs cloud-only',
    'vs raw cut',
  ];
  const rows = comparisons.map((c) => {
    const x = c!;
    const j = x.jalad;
    return [
      mbpsText(x.bandwidthMbps),
      msText(x.edgeOnly.totalMs),
      msText(x.cloudOnly.totalMs),
      planCell(analysis, x.neurosurgeon, false),
      j ? planCell(analysis, j, true) : 'none',
      ...(j
        ? [
            speedupText(x.edgeOnly.totalMs, j.totalMs),
            speedupText(x.cloudOnly.totalMs, j.totalMs),
            speedupText(x.neurosurgeon.totalMs, j.totalMs),
          ]
        : ['–', '–', '–']),
    ];
  });
  const out = table(head, rows, ['r', 'r', 'r', 'l', 'l', 'r', 'r', 'r']);
  out.push(
    '',
    `${latencyFormulaText(analysis)}. Budget: ${budget.text}, applied to each sweep row's one-sided 95% upper bound.`,
  );
  if (!analysis.sweep)
    out.push('', 'No compression sweep, so no JALAD column: run `jalad analyze` with `--data`.');
  return out;
}

function decisionSection(analysis: Analysis, budget: LossBudget): string[] {
  const ds = analysis.decisions;
  if (!ds || ds.length === 0) return [];
  const rows = ds.map((d) => {
    const c = analysis.cutPoints.find((x) => x.index === d.cut);
    const plan = c
      ? `${cutLabel(c)} ${code(c.tensors[0])}`
      : firstNames(d.tensors, (t) => code(t.name)).join(' + ');
    return [
      mbpsText(d.fromMbps),
      mbpsText(d.toMbps),
      plan,
      bitsText(d.bits),
      kbText(d.bytes),
      d.encodeMs !== undefined ? msText(d.encodeMs) : '–',
      d.decodeMs !== undefined ? msText(d.decodeMs) : '–',
      `${msText(d.totalMs)} → ${msText(d.totalMsAtTo)}`,
      ppText(d.predictedLossPct),
    ];
  });
  return [
    '## Decision regions',
    '',
    `The fastest plan for every uplink bandwidth within ${budget.text}, as the stored decision table gives it.`,
    '',
    ...table(
      [
        'from Mbps',
        'to Mbps',
        'plan',
        'bits',
        'sent KB',
        'encode ms',
        'decode ms',
        'total ms (from → to)',
        'loss bound pp',
      ],
      rows,
      ['r', 'r', 'l', 'l', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  ];
}

/**
 * Renders the Markdown summary of an analysis.
 *
 * @param options.commandLine the command that produced the analysis, quoted in the header
 * @returns GitHub-flavoured Markdown ending with a newline
 * @throws InputError `BAD_ANALYSIS` for an analysis of an unknown version or without cut points
 */
export function renderMarkdown(analysis: Analysis, options: ReportOptions = {}): string {
  checkReportable(analysis, 'renderMarkdown');
  const budget = lossBudget(analysis);
  const m = analysis.model;
  const lines: string[] = [
    `# jalad report: ${code(modelName(analysis))}`,
    '',
    `Generated by jalad ${analysis.jalad} from an analysis created ${analysis.createdAt}.`,
  ];
  if (options.commandLine) lines.push('', '```sh', options.commandLine, '```');
  lines.push(
    '',
    '## Model',
    '',
    `- ${code(m.path)}: ${modelText(analysis)}`,
    `- SHA-256 ${code(m.sha256)}`,
    `- inputs ${firstNames(m.inputs, (i) => `${code(i.name)} ${formatShape(i.dims)}`).join(', ')}; ` +
      `outputs ${firstNames(m.outputs, code).join(', ')}`,
    '',
  );
  lines.push('## Data', '');
  if (analysis.data) {
    const d = analysis.data;
    lines.push(`- ${dataText(d)}`);
    const opts = settingsText(d.options);
    if (opts) lines.push(`- read with ${opts}`);
    lines.push(`- loss = ${lossText(d)}`, `- accuracy budget: ${budget.text}`, '');
  } else {
    lines.push('No validation data: no compression sweep, so no compressed sizes or losses.', '');
  }
  // NOTE: sections are appended with a loop, not push(...rows): a cut table of 200,000 rows would
  // overflow the stack as arguments.
  const append = (part: readonly string[]) => {
    for (const line of part) lines.push(line);
  };
  append(['## Profiles', '', ...profileSection(analysis), '']);
  append(['## Cut points', '']);
  append(cutSection(analysis, budget));
  append(['', `## Speed-up at ${reportBandwidthsMbps(analysis).map(mbpsText).join(' / ')} Mbps`, '']);
  append(speedupSection(analysis, budget));
  append(['']);
  append(decisionSection(analysis, budget));
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/\n*$/, '\n');
}
