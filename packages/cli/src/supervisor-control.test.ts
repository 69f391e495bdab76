import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Supervisor } from './supervisor.js';
import { startSupervisorControl, supervisorFilePath } from './supervisor-control.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-control-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function get(url: string) {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
}

describe('startSupervisorControl', () => {
  it('listens before the supervisor exists, then lists its processes with their build problems', async () => {
    const control = await startSupervisorControl(dir);
    try {
      expect(JSON.parse(readFileSync(supervisorFilePath(dir), 'utf8'))).toMatchObject({
        pid: process.pid,
        url: control.url,
      });
      expect(await get(`${control.url}/processes`)).toEqual({
        status: 503,
        type: 'application/problem+json',
        body: { title: 'Service Unavailable', status: 503, detail: 'starting' },
      });

      // A build that fails the way a compiler does: the process is not started, its problem kept.
      const build = ['sh', '-c', 'echo "src/routes.ts(7,3): error TS1005: \')\' expected."; exit 2'];
      const supervisor = new Supervisor({
        processes: [{ name: 'svc', role: 'service', instances: 1, command: ['true'], build }],
        environment: { PATH: process.env.PATH },
        cwd: dir,
        log: () => undefined,
        output: () => undefined,
      });
      control.serve(supervisor);
      await supervisor.start();
      // start() waits only for the control plane; a service's build ends when it ends.
      await expect.poll(() => supervisor.instances[0]?.state).toBe('failed');
      const processes = await get(`${control.url}/processes`);
      expect(processes.status).toBe(200);
      expect(processes.body).toEqual([
        expect.objectContaining({
          id: 'svc/1',
          name: 'svc',
          state: 'failed',
          problem: `build \`${build.join(' ')}\` failed (exit 2)\nsrc/routes.ts(7,3): error TS1005: ')' expected.`,
        }),
      ]);
      expect((await get(`${control.url}/nothing`)).status).toBe(404);
    } finally {
      await control.close();
    }
    expect(existsSync(supervisorFilePath(dir))).toBe(false);
  });
});
