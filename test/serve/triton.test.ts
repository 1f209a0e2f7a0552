/** The Triton repository of a plan's cloud half, checked against Triton's model-config schema. */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../../src/core/errors';
import { createTensor, openSession } from '../../src/runtime';
import {
  checkTritonRepository,
  loadPlanDir,
  parseModelConfig,
  tritonConfig,
  writeTritonRepository,
  type PbMessage,
} from '../../src/serve';
import { serveFixture, type ServeFixture } from './fixture';

let fx: ServeFixture;
beforeAll(async () => {
  fx = await serveFixture(8);
}, 120000);
afterAll(() => fx?.dir.remove());

describe('parseModelConfig', () => {
  test.each([
    ['an unknown field', 'name: "m"\nplatfrom: "x"\n', /line 2: ModelConfig has no field "platfrom"/],
    ['a wrong enum value', 'input { name: "a" data_type: TYPE_FLOAT32 dims: [1] }', /not a DataType/],
    ['a non-repeated field twice', 'name: "a"\nname: "b"\n', /given more than once/],
    ['a string where an integer belongs', 'max_batch_size: "8"', /expects an int32/],
    ['a scalar where a message belongs', 'input: 3', /is a ModelInput message/],
    ['an unclosed message', 'input { name: "a"', /"}" missing/],
    ['a list for a scalar', 'name: ["a"]', /not repeated/],
  ])('rejects %s', (_what, text, reason) => {
    expect(() => parseModelConfig(text)).toThrow(InputError);
    expect(() => parseModelConfig(text)).toThrow(reason);
  });

  test('reads repeated messages, lists, enums by name or number, comments', () => {
    const m = parseModelConfig(
      '# c\nname: "m" max_batch_size: 4\ninput { name: "x" data_type: 11 dims: [ 1, -1 ] }\n' +
        'input < name: "y" data_type: TYPE_UINT8 dims: 3 dims: 4 >',
    );
    const inputs = m.input as PbMessage[];
    expect(inputs).toHaveLength(2);
    expect(inputs[0].data_type).toEqual(['TYPE_FP32']);
    expect(inputs[0].dims).toEqual([1, -1]);
    expect(inputs[1].dims).toEqual([3, 4]);
  });
});

describe('writeTritonRepository', () => {
  test('config.pbtxt names every port of the cloud half with its type and dims, and the model runs on them', async () => {
    const plan = loadPlanDir(fx.planDir);
    const dir = path.join(fx.dir.root, 'triton');
    const written = await writeTritonRepository(plan, dir);
    expect(written).toEqual([
      path.join(dir, 'jalad_cloud', 'config.pbtxt'),
      path.join(dir, 'jalad_cloud', '1', 'model.onnx'),
    ]);
    const config = parseModelConfig(fs.readFileSync(written[0], 'utf8'));
    expect(config.backend).toEqual(['onnxruntime']);
    // Batching (8) when every port has a symbolic batch axis, else 0 and the model's own dims.
    const batched = (config.max_batch_size[0] as number) > 0;
    const full = (dims: readonly number[]) => (batched ? [2, ...dims] : dims);
    const inputs = config.input as PbMessage[];
    const w = plan.wire[0];
    const code = inputs.find((i) => i.name[0] === `${w.tensor}.code`)!;
    expect(code.data_type).toEqual(['TYPE_UINT8']); // the dequantizer is inside: codes come in
    expect(code.dims).toEqual(batched ? w.sampleDims : [1, ...w.sampleDims]);
    expect(inputs.find((i) => i.name[0] === `${w.tensor}.lo`)!.data_type).toEqual(['TYPE_FP32']);
    // Feed the model exactly what the config declares (a batch of 2 when batched): it runs and gives the declared outputs.
    const session = await openSession(fs.readFileSync(written[1]));
    const feeds: Record<string, ReturnType<typeof createTensor>> = {};
    for (const i of inputs) {
      const dims = full(i.dims as number[]);
      const n = dims.reduce((a, b) => a * b, 1);
      feeds[i.name[0] as string] =
        i.data_type[0] === 'TYPE_UINT8'
          ? createTensor('uint8', new Uint8Array(n).fill(1), dims)
          : createTensor('float32', new Float32Array(n).fill(0.5), dims);
    }
    const out = await session.run(feeds);
    await session.release();
    for (const o of config.output as PbMessage[])
      expect(out[o.name[0] as string].dims).toEqual(full(o.dims as number[]));
  });

  test('a bad model name is refused before anything is written', async () => {
    const plan = loadPlanDir(fx.planDir);
    await expect(writeTritonRepository(plan, path.join(fx.dir.root, 't2'), { name: '../x' })).rejects.toThrow(
      InputError,
    );
    expect(fs.existsSync(path.join(fx.dir.root, 't2'))).toBe(false);
    expect(await tritonConfig(plan, { name: 'other' })).toMatch(/^name: "other"$/m);
  });

  test('the model folder follows the output rules: replaced only when jalad wrote it, other models untouched', async () => {
    const plan = loadPlanDir(fx.planDir);
    const repo = path.join(fx.dir.root, 'repo');
    fs.mkdirSync(path.join(repo, 'other_model', '1'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'other_model', 'config.pbtxt'), 'name: "other_model"\n');
    await writeTritonRepository(plan, repo);
    // A second write replaces jalad's own folder as a whole (a stale file in it does not survive).
    await writeTritonRepository(plan, repo);
    expect(fs.readdirSync(path.join(repo, 'jalad_cloud')).sort()).toEqual([
      '.jalad-manifest.json',
      '1',
      'config.pbtxt',
    ]);
    expect(fs.readFileSync(path.join(repo, 'other_model', 'config.pbtxt'), 'utf8')).toBe(
      'name: "other_model"\n',
    );
    expect(fs.readdirSync(repo).sort()).toEqual(['jalad_cloud', 'other_model']); // no temp folders left

    // Someone's file inside the model folder: refused, nothing replaced.
    fs.writeFileSync(path.join(repo, 'jalad_cloud', '1', 'notes.txt'), 'mine');
    const err = await writeTritonRepository(plan, repo).catch((e: InputError) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('BAD_OUTPUT');
    expect((err as InputError).message).toContain('1/notes.txt');
    expect(fs.readFileSync(path.join(repo, 'jalad_cloud', '1', 'notes.txt'), 'utf8')).toBe('mine');

    // A symbolic link as the model folder, or as a file jalad lists: refused before any work.
    fs.symlinkSync(path.join(repo, 'other_model'), path.join(repo, 'linked'));
    expect(() => checkTritonRepository(repo, fx.planDir, { name: 'linked' })).toThrow(/symbolic link/);
    fs.rmSync(path.join(repo, 'jalad_cloud', '1', 'notes.txt'));
    fs.rmSync(path.join(repo, 'jalad_cloud', '1', 'model.onnx'));
    fs.symlinkSync(
      path.join(repo, 'other_model', 'config.pbtxt'),
      path.join(repo, 'jalad_cloud', '1', 'model.onnx'),
    );
    expect(() => checkTritonRepository(repo, fx.planDir)).toThrow(/1\/model.onnx: is a symbolic link/);
    expect(fs.readFileSync(path.join(repo, 'other_model', 'config.pbtxt'), 'utf8')).toBe(
      'name: "other_model"\n',
    );
    // The split's own --out folder and the model folder may not lie one inside the other.
    expect(() => checkTritonRepository(fx.planDir, fx.planDir)).toThrow(/must not lie one inside the other/);
  });
});
