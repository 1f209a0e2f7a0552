/**
 * Vega-Lite → Vega → SVG on the server, without a browser or a canvas: Vega's headless SVG string
 * renderer (`View.toSVG` with `renderer: 'none'`). Text widths are estimated (no canvas to measure).
 */
import type { Loader } from 'vega';
import type { TopLevelSpec } from 'vega-lite';

/** An SVG figure and the warnings Vega-Lite and Vega logged while making it. */
export interface RenderedSvg {
  readonly svg: string;
  readonly warnings: readonly string[];
}

/** A Vega logger that collects messages instead of printing them (src/ never prints). */
function collectingLogger(warnings: string[]) {
  let level = 2; // vega-util's Warn
  const logger = {
    level(l?: number) {
      if (l === undefined) return level as never;
      level = l;
      return logger as never;
    },
    error(...args: readonly unknown[]) {
      warnings.push(`error: ${args.map(String).join(' ')}`);
      return logger;
    },
    warn(...args: readonly unknown[]) {
      warnings.push(args.map(String).join(' '));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

/** A loader that refuses every load: the specs carry inline data, and a report must not touch the network. */
const NO_LOADER = {
  load: () => Promise.reject(new Error('renderSvg: the report loads no external resources')),
  sanitize: () => Promise.reject(new Error('renderSvg: the report loads no external resources')),
  http: () => Promise.reject(new Error('renderSvg: no network')),
  file: () => Promise.reject(new Error('renderSvg: no files')),
} as unknown as Loader;

/**
 * Gives every `id` of an SVG a prefix, with references (`url(#…)`, `href="#…"`) to match, and numbers
 * them in order of appearance.
 *
 * NOTE: Vega numbers clip paths and gradients with process-wide counters, so two SVGs inlined in one
 * page can clash, and the same report would differ between runs; scoping and renumbering fixes both.
 *
 * @example scopeSvgIds('<clipPath id="clip7"/><g clip-path="url(#clip7)"/>', 'fig1') // ids become "fig1-1"
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g))
    if (!ids.has(m[1])) ids.set(m[1], `${prefix}-${ids.size + 1}`);
  if (ids.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)(")/g, (all, a: string, id: string, b: string) =>
      ids.has(id) ? `${a}${ids.get(id)}${b}` : all,
    )
    .replace(/url\(#([^)]+)\)/g, (all, id: string) => (ids.has(id) ? `url(#${ids.get(id)})` : all))
    .replace(/(href=")#([^"]+)(")/g, (all, a: string, id: string, b: string) =>
      ids.has(id) ? `${a}#${ids.get(id)}${b}` : all,
    );
}

/**
 * Renders a Vega-Lite spec (with inline data) to an SVG string.
 *
 * @param idPrefix prefix of the SVG's element ids (unique per page), see `scopeSvgIds`
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<RenderedSvg> {
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  // NOTE: loaded on the first figure, not with the CLI: Vega and Vega-Lite take about 25 MB, which
  // a command that draws nothing (or a structure-only analysis of a large model) should not hold.
  const { parse, View } = await import('vega');
  const { compile } = await import('vega-lite');
  const vg = compile(spec, { logger: logger as never }).spec;
  const view = new View(parse(vg), { renderer: 'none', loader: NO_LOADER, logger: logger as never });
  try {
    const svg = await view.toSVG();
    return { svg: scopeSvgIds(svg, idPrefix), warnings };
  } finally {
    view.finalize();
  }
}
