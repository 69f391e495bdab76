import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningFlotilla, runFlotilla, spawnFlotilla, stopFlotilla } from './support/flotilla-cli.js';
import { freePort } from './support/free-port.js';
import { alive } from './support/processes.js';
import { repositoryRoot } from './support/spawn-service.js';
import { until } from './support/until.js';

const scratch = mkdtempSync(join(tmpdir(), 'flotilla-command-'));
let supervisor: RunningFlotilla | undefined;

afterAll(async () => {
  await stopFlotilla(supervisor, 'SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

const writeConfig = (processes: unknown[]) =>
  writeFileSync(join(scratch, 'flotilla.config'), JSON.stringify({ processes }));

describe('flotilla start with command processes (cross-process)', () => {
  it('builds and starts a non-Node process, skips one whose tool is missing, and starts the rest', async () => {
    const port = await freePort();
    mkdirSync(join(scratch, 'static'));
    writeConfig([
      {
        name: 'static',
        command: ['python3', '-m', 'http.server', String(port), '--bind', '127.0.0.1'],
        cwd: 'static',
        build: ['python3', '-c', 'open("built.txt", "w").write("built")'],
        requires: ['python3'],
        readyUrl: `http://127.0.0.1:${port}/built.txt`,
      },
      { name: 'pricing', command: ['no-such-tool', 'serve'], requires: ['no-such-tool'] },
      { name: 'svc', entry: join(repositoryRoot, 'tests/fixtures/sleeper.ts') },
    ]);
    supervisor = spawnFlotilla(['start'], { cwd: scratch });
    const { output } = supervisor;

    await until('both processes ready', () => output().includes('all 2 process(es) ready'), 60_000);
    expect(output()).toContain(
      '[flotilla] skipping pricing: requires "no-such-tool", not found on PATH\n[flotilla] starting 2 process(es)',
    );
    const served = await fetch(`http://127.0.0.1:${port}/built.txt`);
    expect(await served.text()).toBe('built');

    const control = JSON.parse(readFileSync(join(scratch, '.flotilla/supervisor.json'), 'utf8')).url;
    const instances = (await (await fetch(`${control}/processes`)).json()) as {
      id: string;
      state: string;
      pid: number;
    }[];
    expect(instances.map(({ id, state }) => ({ id, state }))).toEqual([
      { id: 'static/1', state: 'ready' },
      { id: 'svc/1', state: 'ready' },
    ]);

    expect(await stopFlotilla(supervisor, 'SIGTERM')).toBe(0);
    const python = instances.find((instance) => instance.id === 'static/1')!.pid;
    await until('the python process gone', () => !alive(python), 5_000);
  }, 90_000);

  it.each([
    [
      { name: 'static', command: 'python3 -m http.server' },
      'processes[0].command: must be an array of strings',
    ],
    [
      { name: 'static', command: ['python3'], entry: 'main.ts' },
      'processes[0]: give either "entry" (a Node file or package export) or "command"',
    ],
  ])('refuses %j with exit code 2 and one line', async (entry, message) => {
    writeConfig([entry]);
    const refused = runFlotilla(['start'], { cwd: scratch });
    await expect(refused).rejects.toMatchObject({ code: 2 });
    const { stderr } = (await refused.catch((error: { stderr: string }) => error)) as { stderr: string };
    expect(stderr).toContain(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
