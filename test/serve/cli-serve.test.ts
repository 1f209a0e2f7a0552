/** `jalad serve` and `jalad run` as a user runs them: the built CLI in child processes. */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as path from 'path';
import { serveFixture, type ServeFixture } from './fixture';

const BIN = path.join(__dirname, '..', '..', 'dist', 'bin', 'jalad.js');
let fx: ServeFixture;
beforeAll(async () => {
  fx = await serveFixture(12);
}, 120000);
afterAll(() => fx?.dir.remove());

function jalad(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The URL a `jalad serve` child prints once it listens (with `plans`: that many plans served). */
function servingUrl(server: ChildProcess, plans?: number): Promise<string> {
  const line = new RegExp(`serving ${plans ?? '\\d+'} plan\\(s\\) at (http://\\S+):`);
  return new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = line.exec(out);
      if (m) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
}

describe('bad input exits 2 with one line', () => {
  test.each([
    [['serve'], 'give --plan DIR or --analysis FILE'],
    [['serve', '--plan', '/nonexistent/plan'], '/nonexistent/plan'],
    [['run', '--plan', 'p', '--server', 'not a url', '--data', 'x'], '--server'],
    [['run', '--plan', 'p', '--data', 'x'], '--server'],
    [
      ['run', '--analysis', 'a.json', '--server', 'http://127.0.0.1:1', '--data', 'x', '--policy', 'best'],
      '--policy',
    ],
    [
      ['run', '--plan', 'p', '--server', 'http://127.0.0.1:1', '--data', 'x', '--compute-window', '2.5'],
      '--compute-window',
    ],
  ])('jalad %j', (args, mentions) => {
    const r = jalad(...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain(mentions);
  });
});

describe('serve, run, SIGTERM', () => {
  test('a served run prints JSON with samples, top1 and per-stage medians; SIGTERM stops the server with exit 0', async () => {
    const server = spawn(process.execPath, [BIN, 'serve', '--plan', fx.planDir, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await servingUrl(server, 1);
      const run = spawn(
        process.execPath,
        [
          BIN,
          'run',
          '--plan',
          fx.planDir,
          '--server',
          url,
          '--data',
          fx.dataPath,
          '--labels',
          fx.labelsPath,
          '--json',
          '--shape',
          '200',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      run.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((r) => run.once('exit', r));
      expect(code).toBe(0);
      const doc = JSON.parse(out) as {
        samples: number;
        top1: { correct: number; total: number };
        stages: Record<string, { predictedMs: number; measuredMs: number }>;
      };
      expect(doc.samples).toBe(12);
      expect(doc.top1.total).toBe(12);
      for (const stage of ['edge', 'transfer', 'server', 'total'])
        expect(doc.stages[stage].measuredMs).toBeGreaterThan(0);
    } finally {
      server.kill('SIGTERM');
    }
    const [code, signal] = await new Promise<[number | null, string | null]>((r) =>
      server.once('exit', (c, s) => r([c, s])),
    );
    expect(signal).toBeNull();
    expect(code).toBe(0);
  });
});

describe('an adaptive run from the command line', () => {
  test('--policy table: the JSON says which policy chose the plans', async () => {
    const server = spawn(process.execPath, [BIN, 'serve', '--analysis', fx.analysisPath, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await servingUrl(server);
      const args = [
        'run',
        '--analysis',
        fx.analysisPath,
        '--server',
        url,
        '--data',
        fx.dataPath,
        '--json',
        '-q',
      ];
      const docs: { samples: number; policy?: string; mode: string }[] = [];
      for (const extra of [['--policy', 'table'], [], ['--static']]) {
        const r = spawnSync(process.execPath, [BIN, ...args, ...extra], { encoding: 'utf8' });
        expect([r.status, r.stderr]).toEqual([0, '']);
        docs.push(JSON.parse(r.stdout));
      }
      expect(docs.map((d) => [d.mode, d.policy, d.samples])).toEqual([
        ['adaptive', 'table', 12],
        ['adaptive', 'measured', 12],
        ['static', undefined, 12],
      ]);
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  });
});
