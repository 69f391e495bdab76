import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareProcess } from './prepare-process.js';
import type { ProcessSpec } from './system.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-prepare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines: string[] = [];
const options = {
  environment: { PATH: process.env.PATH },
  cwd: dir,
  output: (line: string) => lines.push(line),
};
const spec = (fields: Partial<ProcessSpec>): ProcessSpec => ({
  name: 'svc',
  role: 'service',
  instances: 1,
  ...fields,
});

describe('prepareProcess', () => {
  it('passes an entry whose local imports parse, packages left alone', async () => {
    writeFileSync(join(dir, 'routes.ts'), 'export const text: string = "hello";\n');
    writeFileSync(
      join(dir, 'main.ts'),
      "import { Type } from '@sinclair/typebox';\nimport { text } from './routes.js';\nconsole.log(Type, text);\n",
    );
    expect(await prepareProcess(spec({ entry: join(dir, 'main.ts') }), options)).toBeUndefined();
  });

  it('names the file, line and column of a syntax error in an imported file', async () => {
    writeFileSync(join(dir, 'routes.ts'), 'export const text: string = ;\n');
    expect(await prepareProcess(spec({ entry: join(dir, 'main.ts') }), options)).toBe(
      'routes.ts:1:29: Unexpected ";"',
    );
  });

  it('names a broken import', async () => {
    writeFileSync(join(dir, 'main.ts'), "import { text } from './gone.js';\nconsole.log(text);\n");
    expect(await prepareProcess(spec({ entry: join(dir, 'main.ts') }), options)).toMatch(
      /^main\.ts:1:22: Could not resolve "\.\/gone\.js"/,
    );
  });

  it('runs the build in cwd with its output passed on, and reports its failure with its first lines', async () => {
    const build = ['sh', '-c', 'pwd; echo built > out.txt; exit "$CODE"'];
    expect(
      await prepareProcess(spec({ command: ['true'], cwd: dir, build, environment: {} }), {
        ...options,
        environment: { ...options.environment, CODE: '0' },
      }),
    ).toBeUndefined();
    expect(lines).toContain(dir);
    expect(
      await prepareProcess(spec({ command: ['true'], cwd: dir, build }), {
        ...options,
        environment: { ...options.environment, CODE: '3' },
      }),
    ).toBe(`build \`sh -c pwd; echo built > out.txt; exit "$CODE"\` failed (exit 3)\n${dir}`);
    const compiler = [
      'sh',
      '-c',
      'echo; for n in $(seq 1 30); do echo "src/a.ts($n,1): error TS1005"; done; exit 2',
    ];
    const problem = await prepareProcess(spec({ command: ['true'], build: compiler }), options);
    expect(problem?.split('\n')).toEqual([
      expect.stringMatching(/^build `sh -c .*` failed \(exit 2\)$/),
      ...Array.from({ length: 20 }, (_, index) => `src/a.ts(${index + 1},1): error TS1005`),
    ]);
    expect(await prepareProcess(spec({ command: ['true'], build: ['no-such-compiler'] }), options)).toMatch(
      /^build `no-such-compiler` could not run: spawn no-such-compiler ENOENT/,
    );
  });
});
