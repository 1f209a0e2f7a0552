/**
 * The stylesheet of the HTML report, inlined in its <style>: system fonts only, no external
 * resources, print-friendly.
 */

/** CSS of the HTML report. */
export const REPORT_CSS = `
:root {
  --ink: #111827; --muted: #4b5563; --faint: #6b7280; --line: #e5e7eb; --bg: #f8fafc;
  --card: #ffffff; --accent: #1d4ed8; --accent-bg: #eff6ff; --warn: #92400e; --warn-bg: #fffbeb;
  --mono: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif;
  font-variant-numeric: tabular-nums;
}
.page { max-width: 1240px; margin: 0 auto; padding: 0 28px 48px; }
header.hero { background: linear-gradient(135deg, #0f172a, #1e3a8a); color: #f8fafc; padding: 32px 0 28px; margin-bottom: 28px; }
header.hero .eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: #bfdbfe; font-weight: 600; }
header.hero h1 { margin: 4px 0 4px; font-size: 30px; line-height: 1.2; font-weight: 700; word-break: break-all; }
header.hero .sub { margin: 0 0 20px; color: #cbd5e1; font-size: 14px; }
header.hero code { color: #e2e8f0; background: rgba(255,255,255,.08); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 12px; }
.card { background: rgba(255,255,255,.07); border: 1px solid rgba(255,255,255,.16); border-radius: 10px; padding: 12px 14px; }
.card .k { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: #bfdbfe; }
.card .v { font-size: 22px; font-weight: 700; margin: 2px 0; }
.card .d { font-size: 13px; color: #cbd5e1; }
.card.accent { background: rgba(96,165,250,.16); border-color: rgba(147,197,253,.45); }
h2 { font-size: 21px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 8px; }
p { margin: 8px 0; }
code { font-family: var(--mono); font-size: .88em; background: #f1f5f9; padding: 1px 4px; border-radius: 4px; }
pre {
  font-family: var(--mono); font-size: 13px; background: #0f172a; color: #e2e8f0; padding: 12px 14px;
  border-radius: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-all;
}
dl.facts {
  display: grid; grid-template-columns: 180px 1fr; gap: 6px 18px; margin: 0; background: var(--card);
  border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px;
}
dl.facts dt { color: var(--faint); font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.callout {
  background: var(--warn-bg); color: var(--warn); border: 1px solid #fcd34d; border-radius: 8px;
  padding: 10px 14px; margin: 12px 0;
}
.callout strong { color: #78350f; }
ul.notes { margin: 8px 0; padding-left: 20px; color: var(--muted); font-size: 14px; }
.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { padding: 6px 10px; text-align: left; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f1f5f9; font-weight: 600; color: #1f2937; position: sticky; top: 0; }
td.num, th.num { text-align: right; }
td.num { white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafafa; }
tbody tr:last-child td { border-bottom: none; }
td code { background: none; padding: 0; }
.nowrap { white-space: nowrap; }
.formula { color: var(--muted); font-size: 14px; }
figure { margin: 22px 0; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px 14px; }
figure .chart { overflow-x: auto; }
figure svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { color: var(--muted); font-size: 14px; margin-top: 10px; }
figcaption b { color: var(--ink); }
figure.omitted { background: #f9fafb; border-style: dashed; }
footer { margin-top: 40px; color: var(--faint); font-size: 13px; border-top: 1px solid var(--line); padding-top: 14px; }
@media print {
  body { background: #fff; }
  header.hero { background: #fff; color: var(--ink); border-bottom: 2px solid var(--ink); }
  header.hero .eyebrow, header.hero .sub, .card .k, .card .d { color: var(--muted); }
  .card, .card.accent { background: #fff; border-color: var(--line); }
  figure, .table-wrap { break-inside: avoid; }
}
`;
