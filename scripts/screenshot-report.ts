/**
 * Screenshot check of the HTML report, for a developer (not run in CI): writes the reports of an
 * analysis, opens report.html in headless Chromium (Debian package `chromium`), saves a PNG, checks
 * that the page parsed (one <svg> per drawn figure in the dumped DOM) and that the browser logged no
 * console error and refused no load (the page's Content-Security-Policy forbids every load).
 *
 *   npm run build:all && node .build/scripts/screenshot-report.js [analysis.json] [--out DIR] [--height PX]
 *
 * Defaults: test/fixtures/analysis-vgg.json, a new temporary folder, a 1400×3000 window. Then look at
 * DIR/report.png. Exit 0 when the page is clean, 1 when the browser reported errors, 2 for bad usage
 * or a missing browser.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Analysis } from '../src/core/analysis';
import { writeReports } from '../src/report';

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

interface Args {
  readonly analysis: string;
  readonly out: string;
  readonly height: number;
}

function parseArgs(argv: readonly string[]): Args {
  let analysis = path.join(repoRoot(), 'test', 'fixtures', 'analysis-vgg.json');
  let out: string | undefined;
  let height = 3000;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') out = argv[++i];
    else if (a === '--height') height = Number(argv[++i]);
    else if (a.startsWith('--')) usage(`unknown flag ${a}`);
    else analysis = a;
  }
  if (!out) out = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-report-'));
  if (!Number.isInteger(height) || height < 200) usage(`--height must be an integer ≥ 200, got ${height}`);
  return { analysis, out, height };
}

function usage(message: string): never {
  console.error(
    `screenshot-report: ${message}\nusage: node .build/scripts/screenshot-report.js [analysis.json] [--out DIR] [--height PX]`,
  );
  process.exit(2);
}

/** The repository root, whether this runs from scripts/ or from .build/scripts/. */
function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return fs.existsSync(path.join(dir, 'package.json')) ? dir : process.cwd();
}

function findChromium(): string {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (c): c is string => !!c,
  );
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) {
    console.error(
      'screenshot-report: Chromium not found; ' +
        'install it with: apt-get update && apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)',
    );
    process.exit(2);
  }
  return found;
}

function runChromium(
  chromium: string,
  extra: readonly string[],
  url: string,
): { stdout: string; stderr: string; status: number | null } {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-chromium-'));
  try {
    const r = spawnSync(chromium, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, ...extra, url], {
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status };
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const analysis = JSON.parse(fs.readFileSync(args.analysis, 'utf8')) as Analysis;
  const written = await writeReports(analysis, args.out, {
    commandLine: `jalad analyze ${analysis.model.path}`,
  });
  const html = path.join(args.out, 'report.html');
  const png = path.join(args.out, 'report.png');
  const url = pathToFileURL(html).href;
  const chromium = findChromium();

  const shot = runChromium(
    chromium,
    [
      '--enable-logging=stderr',
      '--v=0',
      `--screenshot=${png}`,
      `--window-size=1400,${args.height}`,
      '--hide-scrollbars',
    ],
    url,
  );
  const dom = runChromium(chromium, ['--enable-logging=stderr', '--v=0', '--dump-dom'], url);

  // Console messages, CSP refusals and load failures as Chromium logs them with --enable-logging.
  const problems = [...shot.stderr.split('\n'), ...dom.stderr.split('\n')]
    .filter((l) => /CONSOLE|Console|Uncaught|Refused to|Failed to load|ERR_/.test(l))
    .filter((l, i, all) => all.indexOf(l) === i);
  const source = fs.readFileSync(html, 'utf8');
  const expectedSvgs = (source.match(/<svg[\s>]/g) ?? []).length;
  const domSvgs = (dom.stdout.match(/<svg[\s>]/g) ?? []).length;
  const parsed = dom.stdout.includes('</html>') && domSvgs === expectedSvgs && expectedSvgs > 0;

  console.log(`reports: ${written.join(', ')}`);
  console.log(
    `screenshot: ${fs.existsSync(png) ? `${png} (${fs.statSync(png).size} bytes)` : 'NOT WRITTEN'} (chromium exit ${shot.status})`,
  );
  console.log(
    `DOM: ${domSvgs} <svg> elements parsed of ${expectedSvgs} in the file${parsed ? '' : ' — the page did not parse as expected'}`,
  );
  console.log(
    problems.length === 0
      ? 'console: no errors'
      : `console: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`,
  );
  if (!fs.existsSync(png) || !parsed || problems.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
