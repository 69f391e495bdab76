import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import { loadSystemConfig } from './system-config.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-config-'));
mkdirSync(join(dir, 'src'));
writeFileSync(join(dir, 'src/main.ts'), '');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(config: unknown): ReturnType<typeof loadSystemConfig> {
  const file = join(dir, 'flotilla.config');
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  return loadSystemConfig(file);
}

function errorOf(config: unknown): string {
  try {
    load(config);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('flotilla.config', () => {
  it('resolves entries against the file and fills defaults', () => {
    const [billing] = load({ processes: [{ name: 'billing', entry: 'src/main.ts', env: { A: '1' } }] });
    expect(billing).toEqual({
      name: 'billing',
      entry: join(dir, 'src/main.ts'),
      role: 'service',
      instances: 1,
      environment: { A: '1' },
      watch: [dir],
    });
  });

  it('runs a command in its cwd, after its build, watching that directory', () => {
    const [pricing] = load({
      processes: [
        {
          name: 'pricing',
          command: ['go', 'run', '.'],
          cwd: 'src',
          build: ['go', 'vet', './...'],
          requires: ['go'],
          readyUrl: 'http://127.0.0.1:9000/health',
        },
      ],
    });
    expect(pricing).toEqual({
      name: 'pricing',
      command: ['go', 'run', '.'],
      cwd: join(dir, 'src'),
      build: ['go', 'vet', './...'],
      requires: ['go'],
      readyUrl: 'http://127.0.0.1:9000/health',
      role: 'service',
      instances: 1,
      watch: [join(dir, 'src')],
    });
  });

  it.each([
    ['{ not json', /not valid JSON/],
    [{}, /processes: expected required property/],
    [{ processes: [] }, /processes: expected array length/],
    [
      { processes: [{ name: 'Billing', entry: 'src/main.ts' }] },
      /processes\[0\]\.name: must be lowercase kebab-case/,
    ],
    [
      { processes: [{ name: 'billing', entry: 'src/main.ts', instances: 0 }] },
      /processes\[0\]\.instances: must be an integer from 1 to 32/,
    ],
    [{ processes: [{ name: 'billing', entry: 'src/nope.ts' }] }, /processes\[0\]\.entry: no such file/],
    [
      { processes: [{ name: 'pricing', command: 'go run .' }] },
      /processes\[0\]\.command: must be an array of strings, the program first/,
    ],
    [
      { processes: [{ name: 'pricing', command: [] }] },
      /processes\[0\]\.command: must be an array of strings/,
    ],
    [
      { processes: [{ name: 'pricing', entry: 'src/main.ts', command: ['go', 'run', '.'] }] },
      /processes\[0\]: give either "entry" .* or "command"/,
    ],
    [{ processes: [{ name: 'pricing' }] }, /processes\[0\]: give either "entry"/],
    [
      { processes: [{ name: 'pricing', command: ['go'], cwd: 'nowhere' }] },
      /processes\[0\]\.cwd: no such directory "nowhere"/,
    ],
    [
      { processes: [{ name: 'pricing', command: ['go'], requires: ['bin/go'] }] },
      /processes\[0\]\.requires\[0\]: /,
    ],
    [
      { processes: [{ name: 'billing', entry: 'src/main.ts', env: { A: 1 } }] },
      /processes\[0\]\.env\.A: expected string/,
    ],
    [
      { processes: [{ name: 'billing', entry: 'src/main.ts', colour: 'red' }] },
      /processes\[0\]\.colour: unexpected property/,
    ],
    [
      {
        processes: [
          { name: 'billing', entry: 'src/main.ts' },
          { name: 'billing', entry: 'src/main.ts' },
        ],
      },
      /processes\[1\]\.name: "billing" is used twice/,
    ],
  ])('refuses %j with one line naming the field', (config, message) => {
    expect(errorOf(config)).toMatch(message);
  });

  it('names a missing file', () => {
    expect(() => loadSystemConfig(join(dir, 'missing.json'))).toThrow(/missing\.json: no such file/);
  });
});
