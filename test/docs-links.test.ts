/**
 * The documentation stays navigable and self-contained: every relative link in the repository's
 * Markdown (README.md, docs/, datasets/, experiments/) reaches an existing file and, with a
 * `#fragment`, an existing heading; every `docs/<page>.md#anchor` that a source comment names
 * exists; and nothing points the reader at notes outside the repository.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const SKIP_DIRS = new Set(['node_modules', 'dist', '.build', '.git', 'jalad-out']);

/** Files under `dir` (relative to the root) whose names end in one of `exts`. */
function filesUnder(dir: string, exts: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = path.join(ROOT, rel);
    if (!fs.existsSync(abs)) return;
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(child);
      } else if (exts.some((e) => entry.name.endsWith(e))) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

/** Markdown with fenced code blocks and inline code blanked out (links there are examples, not links). */
function proseOf(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/**
 * GitHub's anchor for a heading: lower case, Markdown links reduced to their text, anything but
 * letters, digits, spaces, hyphens and underscores dropped, spaces turned into hyphens; a repeated
 * anchor gets -1, -2, ...
 */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of proseOf(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Checks `target` (a path relative to the file `from`, optionally with #fragment); returns a problem or null. */
function brokenTarget(from: string, target: string): string | null {
  const [file, fragment] = target.split('#', 2);
  const resolved = file === '' ? from : path.join(path.dirname(from), decodeURIComponent(file));
  const abs = path.join(ROOT, resolved);
  if (!fs.existsSync(abs)) return `${from}: "${target}" leads to a missing file ${resolved}`;
  if (fragment === undefined || fragment === '') return null;
  if (!resolved.endsWith('.md')) return null;
  if (!anchorsOf(fs.readFileSync(abs, 'utf8')).has(fragment)) {
    return `${from}: "${target}" names no heading of ${resolved}`;
  }
  return null;
}

const MARKDOWN = ['README.md', ...filesUnder('docs', ['.md']), ...filesUnder('datasets', ['.md'])].concat(
  filesUnder('experiments', ['.md']),
);
const SOURCES = ['src', 'bin', 'scripts', 'test', 'experiments'].flatMap((d) =>
  filesUnder(d, ['.ts', '.js', '.json']),
);

describe('the documentation', () => {
  it('finds the pages it checks', () => {
    expect(MARKDOWN).toEqual(expect.arrayContaining(['README.md', path.join('docs', 'method.md')]));
    expect(SOURCES.length).toBeGreaterThan(50);
  });

  it('has no broken relative link or anchor in any Markdown file', () => {
    const problems: string[] = [];
    for (const file of MARKDOWN) {
      const text = proseOf(fs.readFileSync(path.join(ROOT, file), 'utf8'));
      for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        const target = m[1];
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
        const problem = brokenTarget(file, target);
        if (problem) problems.push(problem);
      }
    }
    expect(problems).toEqual([]);
  });

  it('names only repository paths that exist (`src/...`, `test/...` in code spans)', () => {
    const problems: string[] = [];
    for (const file of MARKDOWN.filter((f) => f === 'README.md' || f.startsWith('docs'))) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/`((?:src|bin|scripts|test|experiments|datasets)\/[\w./-]*)`/g)) {
        if (!fs.existsSync(path.join(ROOT, m[1]))) problems.push(`${file}: \`${m[1]}\` does not exist`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('has every docs/<page>.md#anchor that a source comment names', () => {
    const problems: string[] = [];
    for (const file of SOURCES) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/\bdocs\/[\w-]+\.md(?:#[\w-]+)?/g)) {
        const problem = brokenTarget('x.md', m[0]);
        if (problem) problems.push(`${file}: ${problem.slice('x.md: '.length)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps README.md a guide of under 250 lines (measurement notes belong in docs/)', () => {
    const lines = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n').length;
    expect(lines).toBeLessThan(250);
  });

  it('sends no reader to notes outside the repository', () => {
    // NOTE: the names are assembled so that this file does not match its own pattern.
    const outside = new RegExp(
      ['DESIGN', 'STYLE'].map((n) => `\\b${n}\\.md\\b`).join('|') + '|(^|[^\\w-])' + 'shared' + '/',
      'm',
    );
    const offenders = [...MARKDOWN, ...SOURCES].filter((file) =>
      outside.test(fs.readFileSync(path.join(ROOT, file), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
