import { parseShardSpec, resolveShard } from '../../src/pipeline/shard-index';

describe('parseShardSpec(text)', () => {
  test.each(['0/3', '4/3', '1/0', 'x/3', '1/', '/3', '1.5/3', 'auto', 'auto/0', '-1/3', '1/100001'])(
    'refuses "%s"',
    (t) => expect(parseShardSpec(t)).toBeUndefined(),
  );
  test.each([
    ['1/1', { index: 1, count: 1 }],
    ['3/8', { index: 3, count: 8 }],
    ['auto/256', { index: 'auto', count: 256 }],
  ])('reads "%s"', (t, spec) => expect(parseShardSpec(t)).toEqual(spec));
});

describe('resolveShard(spec, env)', () => {
  test('refuses auto with neither variable, naming both', () =>
    expect(() => resolveShard({ index: 'auto', count: 4 }, {})).toThrow(
      expect.objectContaining({
        code: 'BAD_OPTION',
        message: expect.stringContaining('SLURM_ARRAY_TASK_ID'),
      }),
    ));
  test.each([
    [{ JOB_COMPLETION_INDEX: '4' }, 'JOB_COMPLETION_INDEX=4'],
    [{ JOB_COMPLETION_INDEX: 'x' }, 'JOB_COMPLETION_INDEX=x'],
    [{ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '1' }, 'SLURM_ARRAY_TASK_ID=0'],
  ])('refuses an index out of range: %p', (env, names) =>
    expect(() => resolveShard({ index: 'auto', count: 4 }, env)).toThrow(
      expect.objectContaining({ message: expect.stringContaining(names) }),
    ),
  );
  test.each([
    [{ JOB_COMPLETION_INDEX: '0' }, 1, 'JOB_COMPLETION_INDEX=0'],
    [{ JOB_COMPLETION_INDEX: '3', SLURM_ARRAY_TASK_ID: '1' }, 4, 'JOB_COMPLETION_INDEX=3'],
    [{ SLURM_ARRAY_TASK_ID: '0' }, 1, 'SLURM_ARRAY_TASK_ID=0'],
    [
      { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1' },
      4,
      'SLURM_ARRAY_TASK_ID=4 (SLURM_ARRAY_TASK_MIN=1)',
    ],
  ])('%p is shard %i, saying so', (env, index, from) =>
    expect(resolveShard({ index: 'auto', count: 4 }, env)).toEqual({ index, count: 4, indexFrom: from }),
  );
  test('an explicit index ignores the environment', () =>
    expect(resolveShard({ index: 2, count: 4 }, { JOB_COMPLETION_INDEX: '0' })).toMatchObject({ index: 2 }));
});
