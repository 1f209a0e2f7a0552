import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError } from '../../src/core/errors';
import { buildDag, encodeModel, readModelFile } from '../../src/graph';
import { PROFILE_VERSION, checkProfile, resolveProfile, type ProfileContext } from '../../src/profiler';
import { chain } from '../helpers/zoo';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-check-profile-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const modelPath = path.join(tmp, 'chain.onnx');
fs.writeFileSync(modelPath, encodeModel(chain()));

/** A well-formed profile of the chain model, built in code (times made up, the shape is what counts). */
function goodProfile(): Record<string, unknown> {
  const dag = buildDag(chain());
  return {
    version: PROFILE_VERSION,
    kind: 'measured',
    label: 'test board',
    jalad: '0.0.0',
    createdAt: '2026-01-01T00:00:00Z',
    model: { path: 'chain.onnx', sha256: 'x' },
    settings: { runs: 3, warmup: 1, threads: 1, batch: 1 },
    runOverheadMs: 0.01,
    boundary: { edgeOutputMsPerByte: 0, cloudInputMsPerByte: 1e-6 },
    nodes: dag.nodes.map((n) => ({ name: n.name, op: n.opType, ms: 0.1, p90Ms: 0.2 })),
    cutPoints: [{ index: 0, tensors: ['input'], edgeMs: 0, edgeP90Ms: 0, cloudMs: 0.3, cloudP90Ms: 0.4 }],
    notes: [],
  };
}

function context(): ProfileContext {
  const loaded = readModelFile(modelPath);
  return {
    loaded,
    dag: buildDag(loaded.model),
    measure: { threads: 1, runs: 1, warmup: 0 },
    cache: {},
  };
}

type Edit = (p: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('checkProfile: a profile read back is checked field by field', () => {
  test.each<[string, Edit, string]>([
    ['a NaN node time (null in JSON)', (p) => (p.nodes[1].ms = null), 'nodes[1].ms'],
    ['a negative node time', (p) => (p.nodes[0].ms = -1), 'nodes[0].ms'],
    ['a time as a string', (p) => (p.nodes[0].p90Ms = '0.2'), 'nodes[0].p90Ms'],
    ['a node without a name', (p) => delete p.nodes[2].name, 'nodes[2].name'],
    ['a repeated node name', (p) => (p.nodes[1].name = p.nodes[0].name), 'nodes[1].name'],
    ['a missing run overhead', (p) => delete p.runOverheadMs, 'runOverheadMs'],
    ['an infinite run overhead', (p) => (p.runOverheadMs = Infinity), 'runOverheadMs'],
    [
      'a negative boundary cost',
      (p) => (p.boundary.cloudInputMsPerByte = -1e-6),
      'boundary.cloudInputMsPerByte',
    ],
    ['nodes not a list', (p) => (p.nodes = { a: 1 }), 'nodes'],
    ['an unknown kind', (p) => (p.kind = 'guessed'), 'kind'],
    ['a newer version', (p) => (p.version = PROFILE_VERSION + 1), 'version'],
    ['no model', (p) => delete p.model, 'model'],
    ['a cut point time negative', (p) => (p.cutPoints[0].cloudMs = -3), 'cutPoints[0].cloudMs'],
    ['a cut point without tensors', (p) => (p.cutPoints[0].tensors = []), 'cutPoints[0].tensors'],
    ['notes with a number', (p) => (p.notes = [1]), 'notes[0]'],
    ['settings with a fraction of a run', (p) => (p.settings.runs = 1.5), 'settings.runs'],
    ['an auto choice without its basis', (p) => (p.auto = { extraS: 1, budgetS: 10 }), 'auto.basis'],
    [
      'an auto estimate below 0',
      (p) => (p.auto = { extraS: -1, budgetS: 10, basis: 'sample' }),
      'auto.extraS',
    ],
    ['an auto mode recorded as the mode', (p) => (p.mode = 'auto'), 'mode'],
  ])('%s: BAD_PROFILE naming the field', (_, edit, field) => {
    const doc = goodProfile();
    edit(doc);
    const err = (() => {
      try {
        checkProfile(JSON.parse(JSON.stringify(doc)), 'p.json');
      } catch (e) {
        return e as InputError;
      }
      throw new Error('accepted');
    })();
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('BAD_PROFILE');
    expect(err.message).toContain(`p.json: field ${field}:`);
    expect(err.message).not.toContain('\n');
  });

  test('a well-formed profile passes unchanged', () => {
    const doc = goodProfile();
    expect(checkProfile(doc, 'p.json')).toBe(doc);
    const auto = { ...goodProfile(), mode: 'fast', auto: { extraS: 42.5, budgetS: 10, basis: 'sample' } };
    expect(checkProfile(auto, 'p.json')).toBe(auto);
  });

  test('resolveProfile checks a profile file before using it, naming the flag and the file', async () => {
    const file = path.join(tmp, 'edited.json');
    const doc = goodProfile();
    (doc.nodes as { ms: unknown }[])[0].ms = -0.5;
    fs.writeFileSync(file, JSON.stringify(doc));
    const err = await resolveProfile(file, context(), '--edge').catch((e: InputError) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(
      `--edge ${file}: field nodes[0].ms: expected a number from 0, got -0.5`,
    );
    fs.writeFileSync(file, JSON.stringify(goodProfile()));
    const ok = await resolveProfile(file, context(), '--edge');
    expect(ok.label).toBe('test board');
  });
});
