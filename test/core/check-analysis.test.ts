/** Fields the reports print are checked too (the fuzz test found a renamed `op` crashing a renderer). */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../../src/core/errors';
import { checkAnalysis } from '../../src/core/check-analysis';

const fixture = path.join(__dirname, '..', 'fixtures', 'analysis-vgg.json');

type Edit = (a: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('checkAnalysis: the strings, kinds and shapes renderers read', () => {
  test.each<[string, Edit, string]>([
    ['a cut point without its op', (a) => delete a.cutPoints[2].op, 'cutPoints[2].op'],
    ['a shape with an object in it', (a) => (a.cutPoints[1].shape = [{}]), 'cutPoints[1].shape[0]'],
    [
      'a detail of an unknown kind',
      (a) => (a.cutPoints[1].detail[0].kind = 'mystery'),
      'cutPoints[1].detail[0].kind',
    ],
    ['a model output that is a number', (a) => (a.model.outputs = [7]), 'model.outputs[0]'],
    ['no createdAt', (a) => delete a.createdAt, 'createdAt'],
  ])('%s: one line naming the field', (_, edit, field) => {
    const a = JSON.parse(fs.readFileSync(fixture, 'utf8'));
    edit(a);
    let err: unknown;
    try {
      checkAnalysis(a, 'a.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain(`a.json: field ${field}:`);
  });

  test('the fixture passes as it is', () => {
    expect(() => checkAnalysis(JSON.parse(fs.readFileSync(fixture, 'utf8')), 'a.json')).not.toThrow();
  });
});
