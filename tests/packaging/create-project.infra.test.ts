import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceFiles } from '../../packages/create-flotilla/src/reference-files.js';
import { PUBLISHED_PACKAGES } from '../../scripts/published-packages.js';
import { dockerEntry } from '../support/docker-entry.js';
import { freePort } from '../support/free-port.js';
import { alive, descendants } from '../support/processes.js';
import { repositoryRoot } from '../support/spawn-service.js';
import { until } from '../support/until.js';
import { type LocalRegistry, startLocalRegistry } from './local-registry.js';

// A team's first hour with Flotilla, on the packages as npm would serve them: every package packed
// and published to a registry of our own, a project made with `npm create flotilla` outside this
// repository, installed by name and version only, then tested, type-checked, started and grown.
const run = promisify(execFile);
const { version } = JSON.parse(readFileSync(join(repositoryRoot, 'packages/kit/package.json'), 'utf8')) as {
  version: string;
};

const scratch = mkdtempSync(join(tmpdir(), 'flotilla-adopt-'));
const project = join(scratch, 'my-system');
const reference = join(scratch, 'reference-system');
let registry: LocalRegistry;
const started = new Set<RunningSystem>();

// As on a developer's machine: plain output (the assertions read npm's and vitest's summaries), and
// none of this suite's engines (the project runs on its embedded defaults).
const PLAIN = { NO_COLOR: '1', FORCE_COLOR: '0', DATABASE_URL: '' };

/** npm as a user runs it; a failure carries what npm printed, so the report says why. */
async function npm(args: readonly string[], cwd: string, timeout = 300_000) {
  try {
    return await run('npm', [...args], {
      cwd,
      env: { ...process.env, ...registry.environment, ...PLAIN },
      timeout,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw Object.assign(new Error(`npm ${args.join(' ')} failed:\n${stdout}\n${stderr}`), { stdout, stderr });
  }
}

/** The gateway learns a service's route from the registry within its refresh interval. */
function routed(url: string): Promise<Response> {
  return until(`${url} routed`, async () => {
    const response = await fetch(url);
    return response.status === 200 ? response : undefined;
  });
}

beforeAll(async () => {
  await run('npm', ['run', 'build'], { cwd: repositoryRoot, timeout: 300_000 });
  registry = await startLocalRegistry(scratch);
  for (const directory of PUBLISHED_PACKAGES) {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], {
      cwd: join(repositoryRoot, directory),
    });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    // Only what a user needs: built code, its maps and declarations, the README, the manifest.
    for (const { path } of packed?.files ?? []) {
      expect(path, `${directory}: ${path}`).toMatch(
        /^(package\.json|README\.md|bin\/[^/]+\.js|dist\/.+\.(js|d\.ts|map|sql)|ui\/.+|(template|reference)\/.+)$/,
      );
      // A template is a project's sources, its services' tests included.
      if (/^(template|reference)\//.test(path)) continue;
      expect(path, `${directory}: ${path}`).not.toMatch(/\.test\.|(^|\/)src\//);
    }
    await npm(['publish', join(scratch, packed!.filename)], scratch);
  }
  await npm(['create', '--yes', `flotilla@${version}`, 'my-system'], scratch);
  await npm(
    ['create', '--yes', `flotilla@${version}`, 'reference-system', '--', '--template', 'reference'],
    scratch,
  );
  // One after the other: the second install finds every package in the cache the first filled.
  await npm(['install', '--no-audit', '--no-fund'], project);
  await npm(['install', '--no-audit', '--no-fund'], reference);
}, 900_000);

afterAll(async () => {
  // A system a failed test left running goes with the test.
  for (const system of started) {
    for (const member of [system.child.pid!, ...descendants(system.child.pid!)]) {
      try {
        process.kill(member, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  await registry?.stop();
  // Two projects' node_modules: longer than the default hook timeout on a busy machine.
  rmSync(scratch, { recursive: true, force: true });
}, 180_000);

describe('a project of its own, from the published packages', () => {
  it('depends on the packages by version and links nothing from this repository', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toMatchObject({ '@flotilla/kit': version, '@flotilla/cli': version });
    const lock = readFileSync(join(project, 'package-lock.json'), 'utf8');
    expect(lock).not.toContain(repositoryRoot);
    expect(lock).not.toMatch(/"link": true/);
  });

  it('passes its own tests and the strict type check', async () => {
    const tests = await npm(['test'], project);
    expect(tests.stdout).toMatch(/Tests\s+\d+ passed/);
    await npm(['exec', '--', 'tsc', '--noEmit'], project);
  }, 120_000);

  it('fails the type check on a typed client call that breaks the contract', async () => {
    const call = join(project, 'services/catalog/src/typed-call.ts');
    // A contract as a service publishes one, and a call whose path parameter has the wrong type.
    writeFileSync(
      call,
      `import { defineContract, type ServiceClient, typedClient } from '@flotilla/kit/client';
import { Type } from '@sinclair/typebox';

const catalogApi = defineContract({
  service: 'catalog',
  routes: {
    'GET /catalog/:id': {
      params: Type.Object({ id: Type.String() }),
      response: { 200: Type.Object({ name: Type.String() }) },
    },
  },
});
declare const client: ServiceClient;
export const named = async (): Promise<string> =>
  (await typedClient(catalogApi, client).get('/catalog/:id', { params: { id: 'c1' } })).name;
export const broken = () => typedClient(catalogApi, client).get('/catalog/:id', { params: { id: 42 } });
`,
    );
    try {
      const failed = await npm(['exec', '--', 'tsc', '--noEmit'], project).then(
        () => undefined,
        (error: { stdout: string }) => error,
      );
      // One error, on the broken call alone: the well-typed call above it compiles.
      expect(failed?.stdout.match(/error TS\d+/g)).toEqual(['error TS2322']);
      expect(failed?.stdout).toMatch(/typed-call\.ts\(16,\d+\): error TS2322/);
    } finally {
      rmSync(call);
    }
  });

  it('starts, serves through the gateway, grows a service, and leaves no process on Ctrl-C', async () => {
    const ports = { CONTROL_PLANE_PORT: String(await freePort()), GATEWAY_PORT: String(await freePort()) };
    const gateway = `http://127.0.0.1:${ports.GATEWAY_PORT}`;

    const first = await startSystem(ports);
    await routed(`${gateway}/api/catalog`);
    const created = await fetch(`${gateway}/api/catalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'first' }),
    });
    expect(created.status).toBe(201);
    const listed = await fetch(`${gateway}/api/catalog`);
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject([{ name: 'first' }]);
    await stopSystem(first);

    await npm(['exec', '--', 'flotilla', 'new', 'service', 'billing'], project);
    const second = await startSystem(ports);
    const billing = await routed(`${gateway}/api/billing`);
    expect(await billing.json()).toEqual([]);
    await stopSystem(second);
  }, 300_000);

  it('builds what its Dockerfile runs', async () => {
    await npm(['run', 'build'], project);
    const command = dockerEntry(readFileSync(join(project, 'Dockerfile'), 'utf8'));
    expect(command).toBe('dist/services/catalog/src/main.js');
    expect(existsSync(join(project, command!))).toBe(true);
    expect(existsSync(join(project, 'dist/services/catalog/migrations/0001_create_catalog_items.sql'))).toBe(
      true,
    );
  });
});

describe('the reference system as a project of its own', () => {
  it("holds this repository's flotilla.config and services as they are, on the published packages", () => {
    for (const [path, text] of Object.entries(referenceFiles(repositoryRoot))) {
      expect(readFileSync(join(reference, path), 'utf8'), path).toBe(text);
    }
    const manifest = JSON.parse(readFileSync(join(reference, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toMatchObject({ '@flotilla/kit': version, '@flotilla/cli': version });
  });

  it('passes its own tests and the strict type check', async () => {
    const tests = await npm(['test'], reference);
    expect(tests.stdout).toMatch(/Tests\s+\d+ passed/);
    await npm(['exec', '--', 'tsc', '--noEmit'], reference);
  }, 300_000);

  it('starts and serves its users through the gateway', async () => {
    const ports = { CONTROL_PLANE_PORT: String(await freePort()), GATEWAY_PORT: String(await freePort()) };
    const gateway = `http://127.0.0.1:${ports.GATEWAY_PORT}`;
    const system = await startSystem(ports, reference);
    await routed(`${gateway}/api/users`);
    const created = await fetch(`${gateway}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ada', email: 'ada@example.com' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const read = await fetch(`${gateway}/api/users/${id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id, email: 'ada@example.com' });
    await stopSystem(system);
  }, 180_000);
});

describe("this repository's images", () => {
  it.each([
    ['control-plane.Dockerfile', {}],
    ['gateway.Dockerfile', {}],
    ['service.Dockerfile', { SERVICE: 'users' }],
    ['service.Dockerfile', { SERVICE: 'orders' }],
    ['service.Dockerfile', { SERVICE: 'notifications' }],
  ])('%s %j runs a built entry that exists', (file, buildArgs) => {
    const entry = dockerEntry(readFileSync(join(repositoryRoot, 'deploy/docker', file), 'utf8'), buildArgs);
    expect(entry).toMatch(/\/dist\/.+\.js$/);
    expect(existsSync(join(repositoryRoot, entry!))).toBe(true);
  });
});

interface RunningSystem {
  readonly child: ChildProcess;
  readonly output: () => string;
}

async function startSystem(ports: Record<string, string>, cwd = project): Promise<RunningSystem> {
  const child = spawn('npm', ['start'], {
    cwd,
    env: { ...process.env, ...registry.environment, ...PLAIN, ...ports, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const system = { child, output: () => output };
  started.add(system);
  await until(
    'every process ready',
    () => {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      return /all \d+ process\(es\) ready/.test(output);
    },
    120_000,
  );
  return system;
}

/** Ctrl-C as a terminal sends it: SIGINT to the whole foreground group. */
async function stopSystem(system: RunningSystem): Promise<void> {
  const { child, output } = system;
  const pid = child.pid!;
  const tree = [pid, ...descendants(pid)];
  process.kill(-pid, 'SIGINT');
  await once(child, 'exit');
  expect(output()).toContain('[flotilla] stopped');
  await until('no process of the system left', () => tree.every((member) => !alive(member)), 20_000);
  started.delete(system);
}
