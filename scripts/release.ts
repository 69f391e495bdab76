// Sets one version on every published package, builds, and shows what each would publish; with
// --publish also publishes them in dependency order. Run: npm run release -- <version> [--publish]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PUBLISHED_PACKAGES } from './published-packages.js';

const root = new URL('../', import.meta.url).pathname;
const FOLLOWERS = ['services/users', 'services/orders', 'services/notifications'];
const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?$/;

function fail(message: string): never {
  process.stderr.write(`release: ${message}\n`);
  process.exit(2);
}

function sh(command: string, args: string[], cwd = root): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function isAbove(next: string, current: string): boolean {
  const [a, b] = [next, current].map((version) => SEMVER.exec(version)!.slice(1, 4).map(Number));
  for (let index = 0; index < 3; index++) {
    if (a![index]! !== b![index]!) return a![index]! > b![index]!;
  }
  return next !== current && !next.includes('-');
}

const { values, positionals } = parseArgs({
  options: { publish: { type: 'boolean' } },
  allowPositionals: true,
});
const [version] = positionals;
if (!version || !SEMVER.test(version)) fail('usage: npm run release -- <semver> [--publish]');
if (sh('git', ['status', '--porcelain']).trim() !== '') fail('the work tree has uncommitted changes');
const manifestPath = (directory: string) => join(root, directory, 'package.json');
const current = JSON.parse(readFileSync(manifestPath('packages/kit'), 'utf8')).version as string;
if (!isAbove(version, current)) fail(`${version} is not above the current ${current}`);

const names = new Set(
  PUBLISHED_PACKAGES.map((directory) => JSON.parse(readFileSync(manifestPath(directory), 'utf8')).name),
);
for (const directory of [...PUBLISHED_PACKAGES, ...FOLLOWERS]) {
  const manifest = JSON.parse(readFileSync(manifestPath(directory), 'utf8'));
  if ((PUBLISHED_PACKAGES as readonly string[]).includes(directory)) manifest.version = version;
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    if (names.has(name)) manifest.dependencies[name] = version;
  }
  writeFileSync(manifestPath(directory), `${JSON.stringify(manifest, null, 2)}\n`);
}
sh('npm', ['install', '--no-audit', '--no-fund']);
sh('npm', ['run', 'build']);
for (const directory of PUBLISHED_PACKAGES) {
  process.stdout.write(sh('npm', ['pack', '--dry-run'], join(root, directory)));
  if (values.publish) sh('npm', ['publish', '--access', 'public'], join(root, directory));
}
process.stdout.write(
  `${values.publish ? 'published' : 'ready to publish'} ${version}: add its CHANGELOG section, commit and tag v${version}\n`,
);
