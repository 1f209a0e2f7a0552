/**
 * 16-bit cut tensors sent raw at their own size: a model computes in bfloat16 (or float16) inside,
 * `split --cut` at that tensor, and the served plan sends it as 2 bytes per element, what the
 * split predicts; the cloud part, fed the decoded stream, gives exactly the model's outputs.
 * ONNX Runtime for Node cannot hand a bfloat16 tensor over, so the split carries it as float32 and
 * the wire drops the low 16 bits, which are 0 (the byte format's 'bf16').
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readTensorHeader } from '../../src/codec';
import { DataType, encodeModel, model, node, valueInfo } from '../../src/graph';
import { checkAnalysis } from '../../src/core/check-analysis';
import { analyzeModel } from '../../src/pipeline/analyze';
import { splitAtCut } from '../../src/pipeline/split-at-cut';
import { createTensor, openSession } from '../../src/runtime';
import { decodeCloudInputs, encodeEdgeOutputs, loadPlanDir } from '../../src/serve';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-raw16-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** x -> Relu -> Div(3) -> Cast(type) -> b -> Identity -> b2 -> Cast(float) -> y: b holds 12 values of `type`. */
function typedModel(type: number): Uint8Array {
  return encodeModel(
    model({
      nodes: [
        node('Relu', ['x'], ['a']),
        node('Div', ['a', 'three'], ['a3']),
        node('Cast', ['a3'], ['b'], { to: type }),
        node('Identity', ['b'], ['b2']),
        node('Cast', ['b2'], ['y'], { to: DataType.FLOAT }),
      ],
      initializers: [{ name: 'three', dataType: DataType.FLOAT, dims: [], floatData: [3] }],
      inputs: [valueInfo('x', DataType.FLOAT, [1, 3, 4])],
      outputs: [valueInfo('y', DataType.FLOAT, [1, 3, 4])],
      opset: 19,
      irVersion: 9,
    }),
  );
}

describe('a 16-bit cut tensor sent raw', () => {
  test.each<[string, number, string]>([
    ['bfloat16', DataType.BFLOAT16, 'bf16'],
    ['float16', DataType.FLOAT16, 'f16'],
  ])(
    '%s: predicted and sent at 2 bytes per element; the cloud gives the model outputs',
    async (name, type, wireBits) => {
      const modelPath = path.join(tmp, `${name}.onnx`);
      fs.writeFileSync(modelPath, typedModel(type));
      const dir = path.join(tmp, `${name}-split`);
      const report = await splitAtCut(modelPath, ['b'], dir);
      // Predicted: 12 elements at 2 bytes, not float32's 4.
      expect(report.tensors.map((t) => [t.name, t.bytes])).toEqual([['b', 24]]);
      expect(report.maxAbsDiff).toBe(0);

      const plan = loadPlanDir(dir);
      expect(plan.wire.map((w) => w.bits)).toEqual([wireBits]);
      expect(plan.predicted.bytes).toBe(24);

      const x = createTensor(
        'float32',
        Float32Array.from({ length: 12 }, (_, i) => (i - 3) * 1.37),
        [1, 3, 4],
      );
      const whole = await openSession(fs.readFileSync(modelPath));
      const edge = await openSession(plan.edge);
      const cloud = await openSession(plan.cloud);
      const expected = (await whole.run({ x })).y.data as Float32Array;
      const frames = encodeEdgeOutputs(plan, await edge.run({ x }));
      const header = readTensorHeader(frames[0].bytes);
      expect(header.bits).toBe(wireBits);
      expect(header.payloadBytes).toBe(24);
      const y = (await cloud.run(decodeCloudInputs(plan, frames))).y.data as Float32Array;
      expect(Array.from(y)).toEqual(Array.from(expected));
      // The values really are 16-bit: 1/3 of a float is not one.
      expect(Array.from(expected)).not.toEqual(Array.from(x.data as Float32Array, (v) => Math.max(v, 0) / 3));
      await Promise.all([whole.release(), edge.release(), cloud.release()]);
    },
    60000,
  );

  test('the analysis costs a bfloat16 cut at 2 bytes per element and records the type it computes in', async () => {
    const modelPath = path.join(tmp, 'analyzed.onnx');
    fs.writeFileSync(modelPath, typedModel(DataType.BFLOAT16));
    const analysis = await analyzeModel(modelPath, {});
    const cut = analysis.cutPoints.find((c) => c.tensors[0] === 'b')!;
    expect(cut.bytes).toBe(24);
    expect(cut.detail[0]).toMatchObject({
      elemType: DataType.FLOAT,
      modelElemType: DataType.BFLOAT16,
      elements: 12,
    });
    expect(analysis.tensors!.find((t) => t.name === 'b')!.bytes).toBe(24);
    // The float32 tensor before the cast still costs 4 bytes per element.
    expect(analysis.cutPoints.find((c) => c.tensors[0] === 'a3')!.bytes).toBe(48);
    const json = JSON.parse(JSON.stringify(analysis));
    expect(() => checkAnalysis(json, 'analysis.json')).not.toThrow();
    json.cutPoints[cut.index].detail[0].modelElemType = 'bf16';
    expect(() => checkAnalysis(json, 'analysis.json')).toThrow(/modelElemType/);
  }, 60000);
});
