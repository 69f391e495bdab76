import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// What a project of its own needs of a service: its code, its contract and its migrations; not its
// package.json and build config, which exist because the services are workspaces here.
const PARTS = ['src', 'contract', 'migrations'];
// A test reaching outside its service (into this repository's test support) has no place in a project.
const OUTSIDE = /from '(?:\.\.\/){3,}/;
const CONTRACT = /'@flotilla\/([a-z0-9-]+)\/contract'/g;
const SERVICE_ENTRY = /^services\/([^/]+)\//;

/** The services a `flotilla.config` runs from `services/`, in its order. */
export function configuredServices(config: string): string[] {
  const { processes } = JSON.parse(config) as { processes: { entry: string }[] };
  return processes.flatMap(({ entry }) => SERVICE_ENTRY.exec(entry)?.[1] ?? []);
}

/**
 * The reference system as files of a one-package project, keyed by path in it: this repository's
 * `flotilla.config` and the services it runs. Here each service is a workspace publishing
 * `@flotilla/<service>/contract`; in the project each is a folder, so an import of another's
 * contract becomes a relative one.
 */
export function referenceFiles(repositoryRoot: string): Record<string, string> {
  const config = readFileSync(join(repositoryRoot, 'flotilla.config'), 'utf8');
  const services = configuredServices(config);
  const files: Record<string, string> = { 'flotilla.config': config };
  for (const service of services) {
    for (const part of PARTS) {
      for (const path of listFiles(join(repositoryRoot, 'services', service, part))) {
        const name = relative(repositoryRoot, path).split('\\').join('/');
        const text = readFileSync(path, 'utf8');
        if (name.endsWith('.test.ts') && OUTSIDE.test(text)) continue;
        files[name] = text.replace(CONTRACT, (whole, target: string) =>
          services.includes(target)
            ? `'${posix.relative(posix.dirname(name), `services/${target}/contract/index.js`).replace(/^(?!\.)/, './')}'`
            : whole,
        );
      }
    }
  }
  return files;
}

/**
 * Writes the reference template's `flotilla.config` and `services/` from this repository's into
 * `output`, the package's `reference/` unless given: a step of the package's build, so what
 * `npm pack` ships is always the system as it is.
 */
export function writeReferenceFiles(
  repositoryRoot: string,
  output = fileURLToPath(new URL('../reference/', import.meta.url)),
): void {
  rmSync(join(output, 'services'), { recursive: true, force: true });
  for (const [path, text] of Object.entries(referenceFiles(repositoryRoot))) {
    mkdirSync(dirname(join(output, path)), { recursive: true });
    writeFileSync(join(output, path), text);
  }
}

function listFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) =>
      entry.isDirectory() ? listFiles(join(directory, entry.name)) : [join(directory, entry.name)],
    );
}
