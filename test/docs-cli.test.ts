/**
 * docs/cli.md cannot go stale: it has a section for every command of `jalad --help`, each section
 * names every long flag of that command's `--help`, and every flag in a section's tables exists.
 * Runs the built bin/jalad.js (`npm test` builds first), as test/cli.test.ts does.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'dist', 'bin', 'jalad.js');
const DOC = fs.readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8');

const helpTexts = new Map<string, string>();

/** `jalad [command] --help` as printed (each command spawned once: a start-up costs up to seconds). */
function help(...args: string[]): string {
  const key = args.join(' ');
  const cached = helpTexts.get(key);
  if (cached !== undefined) return cached;
  const r = spawnSync(process.execPath, [BIN, ...args, '--help'], { encoding: 'utf8', cwd: ROOT });
  expect(r.status).toBe(0);
  helpTexts.set(key, r.stdout);
  return r.stdout;
}

/** The lines of a help text's `title:` block (up to the next blank line). */
function block(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`${title}:`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** Command names listed by `jalad --help` (commander's own `help` left out). */
function commands(): string[] {
  return block(help(), 'Commands')
    .map((l) => /^ {2}(\w[\w-]*)/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined && c !== 'help');
}

/** Long flags of one command's `--help`, `--help` itself left out. */
function helpFlags(command: string): string[] {
  return block(help(command), 'Options')
    .map((l) => /^ {2}(?:-\w, )?(--[\w-]+)/.exec(l)?.[1])
    .filter((f): f is string => f !== undefined && f !== '--help');
}

/** The text of the `## jalad <command>` section of docs/cli.md, or null. */
function section(command: string): string | null {
  const m = new RegExp(`^## jalad ${command}\\s*$([\\s\\S]*?)(?=^## |(?![\\s\\S]))`, 'm').exec(DOC);
  return m ? m[1] : null;
}

describe('docs/cli.md', () => {
  const names = commands();

  it('finds the commands of jalad --help', () => {
    expect(names).toEqual(expect.arrayContaining(['analyze', 'split']));
  });

  it.each(names)('documents every flag of `jalad %s --help`', (command) => {
    const text = section(command);
    expect(text).not.toBeNull();
    const missing = helpFlags(command).filter((flag) => !text!.includes(`\`${flag}\``));
    expect(missing).toEqual([]);
  });

  it.each(names)('names in the tables of `jalad %s` only flags that exist', (command) => {
    const known = new Set([...helpFlags(command), '--help']);
    const tables = (section(command) ?? '')
      .split('\n')
      .filter((l) => l.startsWith('|'))
      .join('\n');
    const stale = [...new Set([...tables.matchAll(/`(--[\w-]+)`/g)].map((m) => m[1]))].filter(
      (flag) => !known.has(flag),
    );
    expect(stale).toEqual([]);
  });
});
