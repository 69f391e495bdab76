import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningFlotilla, runFlotilla, spawnFlotilla, stopFlotilla } from './support/flotilla-cli.js';
import { alive, processState } from './support/processes.js';
import { repositoryRoot } from './support/spawn-service.js';
import { until } from './support/until.js';

const scratch = mkdtempSync(join(tmpdir(), 'flotilla-start-'));
let supervisor: RunningFlotilla | undefined;

afterAll(async () => {
  await stopFlotilla(supervisor, 'SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

const cli = (...args: string[]) => runFlotilla(args, { cwd: scratch });

describe('flotilla start (cross-process)', () => {
  it('restarts crashes with backoff, gives up, spares config errors, obeys chaos, and stops in order leaving nothing', async () => {
    const fixture = (name: string) => join(repositoryRoot, 'tests/fixtures', name);
    writeFileSync(
      join(scratch, 'flotilla.config'),
      JSON.stringify({
        processes: [
          { name: 'front', entry: fixture('sleeper.ts'), role: 'gateway' },
          { name: 'registry', entry: fixture('sleeper.ts'), role: 'control-plane' },
          { name: 'svc', entry: fixture('sleeper.ts'), instances: 2 },
          { name: 'crashy', entry: fixture('crasher.ts'), env: { CRASH_CODE: '1' } },
          { name: 'misconfigured', entry: fixture('crasher.ts'), env: { CRASH_CODE: '78' } },
        ],
      }),
    );
    supervisor = spawnFlotilla(['start'], { cwd: scratch });
    const { output } = supervisor;

    const pids = () => [...output().matchAll(/sleeper (\S+) pid=(\d+) grandchild=(\d+)/g)];
    await until('four sleepers', () => pids().length >= 4);
    await until('the crash give-up', () =>
      output().includes('crashy/1 exited (code 1); 5 crashes in 60 s: giving up'),
    );
    expect(output()).toContain('crashy/1 exited (code 1); restarting in 0.25 s');
    expect(output()).toContain('crashy/1 exited (code 1); restarting in 0.50 s');
    expect(output()).toContain('misconfigured/1 exited with a configuration error (code 78): not restarting');
    expect(output().match(/crasher exiting with 78/g)).toHaveLength(1);

    const svc2 = Number(pids().find((match) => match[1] === 'svc/2')![2]);
    expect((await cli('chaos', 'kill', 'svc/2')).stdout).toBe(`kill svc/2 (pid ${svc2})\n`);
    await until('svc/2 restarted', () => pids().filter((match) => match[1] === 'svc/2').length === 2);
    expect(output()).toContain('svc/2 was killed (SIGKILL); restarting in 0.25 s');

    const svc1 = Number(pids().find((match) => match[1] === 'svc/1')![2]);
    await cli('chaos', 'pause', 'svc', '--seconds', '1');
    expect(processState(svc1)).toBe('T');
    await until('svc/1 continued', () => processState(svc1) !== 'T', 5_000);
    await expect(cli('chaos', 'kill', 'nobody')).rejects.toMatchObject({
      code: 1,
      stderr: 'flotilla: chaos kill: no running instance "nobody"\n',
    });

    const everyPid = pids().flatMap((match) => [Number(match[2]), Number(match[3])]);
    expect(everyPid.filter(alive).length).toBeGreaterThanOrEqual(6);
    expect(await stopFlotilla(supervisor, 'SIGTERM')).toBe(0);
    const order = ['stopping services (2)', 'stopping gateway (1)', 'stopping control-plane (1)', 'stopped'];
    const positions = order.map((line) => output().indexOf(line));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    await until('every child and grandchild gone', () => everyPid.every((pid) => !alive(pid)), 5_000);
    expect(existsSync(join(scratch, '.flotilla/supervisor.json'))).toBe(false);
  }, 90_000);
});
