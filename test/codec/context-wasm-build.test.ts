import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('src/codec/context-wasm-bytes.ts and context-v6-wasm-bytes.ts', () => {
  it('hold exactly the bytes a fresh build of wasm/context-loop.ts and wasm/context-v6.ts gives (npm run build:wasm)', () => {
    const root = join(__dirname, '..', '..');
    const run = spawnSync(process.execPath, [join(root, 'scripts', 'build-wasm.mjs'), '--check'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/context-wasm-bytes\.ts: identical to a fresh build/);
    expect(run.stdout).toMatch(/context-v6-wasm-bytes\.ts: identical to a fresh build/);
    expect(run.status).toBe(0);
  }, 120000);
});
