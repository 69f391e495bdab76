import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../support/free-port.js';
import { repositoryRoot } from '../support/spawn-service.js';
import { until } from '../support/until.js';

export interface LocalRegistry {
  readonly url: string;
  /** npm's settings that make every npm command use this registry (and may publish to it). */
  readonly environment: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * Verdaccio on a free loopback port, with its storage in `directory`: it serves what is published
 * to it (Flotilla's packages) and passes every other name through to the public npm registry, so
 * `npm create` and `npm install` run exactly as they would against the public one.
 */
export async function startLocalRegistry(directory: string): Promise<LocalRegistry> {
  const home = join(directory, 'registry');
  mkdirSync(home, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  writeFileSync(
    join(home, 'config.yaml'),
    `storage: ${join(home, 'storage')}
auth:
  htpasswd:
    file: ${join(home, 'htpasswd')}
uplinks:
  npmjs:
    url: https://registry.npmjs.org/
packages:
  '@flotilla/*':
    access: $all
    publish: $all
  'create-flotilla':
    access: $all
    publish: $all
  '**':
    access: $all
    proxy: npmjs
log: { type: stdout, format: json, level: warn }
`,
  );
  const userconfig = join(home, 'npmrc');
  // Publishing asks for a token; this registry lets anyone publish, so any token does.
  writeFileSync(userconfig, `registry=${url}\n//127.0.0.1:${port}/:_authToken=local\n`);
  const child: ChildProcess = spawn(
    join(repositoryRoot, 'node_modules/.bin/verdaccio'),
    ['--config', join(home, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  await until(
    'the local registry to answer',
    async () => {
      if (child.exitCode !== null) throw new Error(`verdaccio exited: ${output}`);
      return (await fetch(`${url}-/ping`)).ok;
    },
    30_000,
  );
  return {
    url,
    // A cache of its own: npm would otherwise run a create-flotilla of the same version that an
    // earlier run left in the machine's npx cache.
    environment: {
      NPM_CONFIG_USERCONFIG: userconfig,
      NPM_CONFIG_REGISTRY: url,
      NPM_CONFIG_CACHE: join(home, 'npm-cache'),
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
