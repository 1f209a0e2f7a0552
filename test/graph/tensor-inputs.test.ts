import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError } from '../../src/core/errors';
import { encodeModel, model, node, readModelFile, valueInfo } from '../../src/graph';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jalad-tensor-inputs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('graph inputs that are not tensors', () => {
  it('refuses a sequence input in one line naming the file and the input', () => {
    const m = model({
      nodes: [node('SequenceLength', ['seq'], ['n'])],
      inputs: [
        {
          name: 'seq',
          type: { sequenceType: { elemType: { tensorType: { elemType: 1, shape: { dim: [] } } } } },
        },
      ],
      outputs: [valueInfo('n', 7, [])],
    });
    const file = path.join(tmp, 'seq.onnx');
    fs.writeFileSync(file, encodeModel(m));
    expect(() => readModelFile(file)).toThrow(InputError);
    expect(() => readModelFile(file)).toThrow(
      `${file}: input "seq" is a sequence; jalad handles tensor inputs only`,
    );
  });

  it('reads a model whose inputs are tensors', () => {
    const m = model({
      nodes: [node('Relu', ['x'], ['y'])],
      inputs: [valueInfo('x', 1, [2])],
      outputs: [valueInfo('y', 1, [2])],
    });
    const file = path.join(tmp, 'relu.onnx');
    fs.writeFileSync(file, encodeModel(m));
    expect(readModelFile(file).model.graph?.input?.[0].name).toBe('x');
  });
});
