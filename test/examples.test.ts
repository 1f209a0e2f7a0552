/**
 * The scale-out examples (docs/scale-out.md): the GitHub Actions workflow checked against the
 * workflow schema (@action-validator/core, SchemaStore's schema compiled to WebAssembly), the
 * Kubernetes manifests against the Kubernetes API's schemas (kubernetes-models), and the command
 * lines of the Kubernetes Job and the Slurm array run here, with the index variables set by hand,
 * then merged. Both merges must give the same analysis.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, parse } from 'yaml';
import { validateWorkflow } from '@action-validator/core';
import { PersistentVolumeClaim } from 'kubernetes-models/v1';
import { Job } from 'kubernetes-models/batch/v1';

const ROOT = path.join(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-examples-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

interface Result {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** Runs a command in the repository root with extra environment variables. */
function run(cmd: string, args: readonly string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('.github/workflows/experiments.yml', () => {
  const text = read('.github/workflows/experiments.yml');
  // The validator warns on stderr that it does not check path globs (`on.push.paths`).
  beforeAll(() => jest.spyOn(console, 'warn').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  test('a workflow that breaks the schema is refused (the check can fail)', () => {
    const broken = text.replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest');
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  test('is a valid GitHub Actions workflow', () => expect(validateWorkflow(text).errors).toEqual([]));

  test('runs npm run experiments as a matrix of shards, merges them and uploads the tables', () => {
    const wf = parse(text) as {
      env: Record<string, unknown>;
      jobs: Record<
        string,
        { needs?: string; strategy?: { matrix: { shard: number[] } }; steps: Record<string, unknown>[] }
      >;
    };
    const shards = Number(wf.env.SHARDS);
    expect(wf.jobs.shard.strategy!.matrix.shard).toEqual(Array.from({ length: shards }, (_, i) => i + 1));
    const runs = (job: string) => wf.jobs[job].steps.map((s) => String(s.run ?? s.uses));
    expect(runs('shard').join('\n')).toMatch(
      /npm run experiments -- .*--shard \$\{\{ matrix\.shard \}\}\/\$\{\{ env\.SHARDS \}\}/,
    );
    expect(wf.jobs.merge.needs).toBe('shard');
    expect(runs('merge').join('\n')).toMatch(/npm run experiments -- .*--merge shards/);
    expect(runs('merge').filter((r) => r.startsWith('actions/upload-artifact'))).toHaveLength(1);
  });
});

/** The Kubernetes manifests' documents, each validated against its kind's schema. */
function manifests(file: string): Record<string, unknown>[] {
  return parseAllDocuments(read(file)).map((d) => d.toJSON() as Record<string, unknown>);
}

function validate(doc: Record<string, unknown>): void {
  if (doc.kind === 'Job') new Job(doc).validate();
  else if (doc.kind === 'PersistentVolumeClaim') new PersistentVolumeClaim(doc).validate();
  else throw new Error(`unexpected kind ${String(doc.kind)}`);
}

interface Container {
  readonly command: string[];
  readonly args: string[];
  readonly env: { name: string; value: string }[];
}
const containerOf = (job: Record<string, unknown>) =>
  (job as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0];
const envOf = (c: Container) => Object.fromEntries(c.env.map((e) => [e.name, e.value]));

describe('examples/kubernetes', () => {
  const shards = manifests('examples/kubernetes/jalad-shards.yaml');
  const merge = manifests('examples/kubernetes/jalad-merge.yaml');

  test('a manifest that breaks the schema is refused (the check can fail)', () => {
    const job = shards.find((d) => d.kind === 'Job')!;
    const broken = { ...job, spec: { ...(job.spec as object), completions: '4' } };
    expect(() => validate(broken)).toThrow(/completions/);
  });

  test('every document is valid against the Kubernetes API schema', () => {
    for (const doc of [...shards, ...merge]) expect(() => validate(doc)).not.toThrow();
  });

  test('the shards are an Indexed Job of SHARDS completions with --shard auto/$SHARDS', () => {
    const job = shards.find((d) => d.kind === 'Job') as {
      spec: { completionMode: string; completions: number };
    } & Record<string, unknown>;
    expect(job.spec.completionMode).toBe('Indexed');
    expect(Number(envOf(containerOf(job)).SHARDS)).toBe(job.spec.completions);
    expect(containerOf(job).args[0]).toContain('--shard "auto/$SHARDS"');
  });
});

describe('the Kubernetes and Slurm command lines, run here with the index variables set by hand', () => {
  const results: Record<string, Result[]> = {};
  beforeAll(async () => {
    const job = manifests('examples/kubernetes/jalad-shards.yaml').find((d) => d.kind === 'Job')!;
    const k8s = containerOf(job);
    const mergeJob = containerOf(manifests('examples/kubernetes/jalad-merge.yaml')[0]);
    // One batch of 64 samples: every shard holds a part of its cut points.
    const small = { SAMPLES: '64' };
    const k8sDir = path.join(tmp, 'k8s');
    const slurmDir = path.join(tmp, 'slurm');
    const shards = Number(envOf(k8s).SHARDS);
    results.k8s = await Promise.all(
      Array.from({ length: shards }, (_, i) =>
        run(k8s.command[0], [...k8s.command.slice(1), k8s.args[0]], {
          ...envOf(k8s),
          ...small,
          SHARD_DIR: k8sDir,
          JOB_COMPLETION_INDEX: String(i),
        }),
      ),
    );
    results.k8sMerge = [
      await run(mergeJob.command[0], [...mergeJob.command.slice(1), mergeJob.args[0]], {
        ...envOf(mergeJob),
        SHARD_DIR: k8sDir,
        OUT: path.join(tmp, 'k8s-out'),
      }),
    ];
    // Slurm's --array=1-4: SLURM_ARRAY_TASK_ID 1..4 with SLURM_ARRAY_TASK_MIN=1.
    results.slurm = await Promise.all(
      Array.from({ length: shards }, (_, i) =>
        run('bash', ['examples/slurm/jalad-shards.sbatch'], {
          ...small,
          SHARD_DIR: slurmDir,
          SLURM_ARRAY_TASK_ID: String(i + 1),
          SLURM_ARRAY_TASK_MIN: '1',
        }),
      ),
    );
    results.slurmMerge = [
      await run('bash', ['examples/slurm/merge.sbatch'], {
        SHARD_DIR: slurmDir,
        OUT: path.join(tmp, 'slurm-out'),
      }),
    ];
  }, 600_000);

  test('the Slurm scripts are valid bash and the array size matches SHARDS', () => {
    for (const f of ['jalad-shards.sbatch', 'merge.sbatch', 'submit.sh'])
      expect(spawnSync('bash', ['-n', path.join(ROOT, 'examples', 'slurm', f)]).status).toBe(0);
    const script = read('examples/slurm/jalad-shards.sbatch');
    const [, from, to] = /#SBATCH --array=(\d+)-(\d+)/.exec(script)!;
    expect(Number(to) - Number(from) + 1).toBe(Number(/SHARDS=\$\{SHARDS:-(\d+)\}/.exec(script)![1]));
  });

  test('every shard ran, saying which variable gave its index', () => {
    results.k8s.forEach((r, i) => {
      expect(r).toMatchObject({ code: 0 });
      expect(r.out).toContain(`shard ${i + 1}/4 (index from JOB_COMPLETION_INDEX=${i})`);
    });
    results.slurm.forEach((r, i) => {
      expect(r).toMatchObject({ code: 0 });
      expect(r.out).toContain(`shard ${i + 1}/4 (index from SLURM_ARRAY_TASK_ID=${i + 1}`);
    });
  });

  test('both merges succeed and give the same analysis (timings, codec ms, decisions and command lines aside)', () => {
    expect(results.k8sMerge[0]).toMatchObject({ code: 0 });
    expect(results.slurmMerge[0]).toMatchObject({ code: 0 });
    const strip = (dir: string) => {
      const a = JSON.parse(fs.readFileSync(path.join(tmp, dir, 'analysis.json'), 'utf8')) as Record<
        string,
        unknown
      > & {
        data: Record<string, unknown>;
      };
      // The codec's ms are measured (and feed the decisions): docs/scale-out.md#codec-times.
      const { createdAt: _c, commandLine: _l, decisions: _d, ...rest } = a;
      const { sweepSeconds: _s, ...data } = a.data;
      const sweep = (a.sweep as Record<string, unknown>[]).map(
        ({ encodeMs: _e, decodeMs: _t, ...row }) => row,
      );
      return { ...rest, data, sweep } as Record<string, unknown>;
    };
    const k8s = strip('k8s-out');
    expect((k8s.sweep as unknown[]).length).toBe(13 * 4);
    expect(strip('slurm-out')).toEqual(k8s);
  });
});
