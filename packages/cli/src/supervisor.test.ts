import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Supervisor } from './supervisor.js';
import type { ProcessSpec } from './system.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-supervisor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const service = (name: string, script: string): ProcessSpec => ({
  name,
  role: 'service',
  instances: 1,
  command: ['sh', '-c', script],
});

describe('Supervisor.stop', () => {
  it('stops a role with SIGTERM, kills what outlives the deadline, and restarts none of it', async () => {
    const log: string[] = [];
    const output: string[] = [];
    const supervisor = new Supervisor({
      processes: [
        service('polite', 'echo armed; exec sleep 60'),
        // Ignores SIGTERM, as a process stuck in a drain would; its sleeps are in its process group.
        service('stubborn', 'trap "" TERM; echo armed; while :; do sleep 0.1; done'),
      ],
      environment: { PATH: process.env.PATH },
      cwd: dir,
      log: (line) => log.push(line),
      output: (instance, line) => output.push(`${instance} ${line}`),
      stopTimeoutMs: 300,
    });
    await supervisor.start();
    await expect.poll(() => [...output].sort()).toEqual(['polite/1 armed', 'stubborn/1 armed']);
    await supervisor.stop();
    expect(supervisor.running).toBe(0);
    expect(supervisor.instances.map((instance) => instance.state)).toEqual(['stopped', 'stopped']);
    expect(log).toEqual([
      'stopping services (2)',
      '1 process(es) still running after the deadline were killed (SIGKILL)',
    ]);
  });
});
