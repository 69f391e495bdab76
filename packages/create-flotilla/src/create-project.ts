import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configuredServices } from './reference-files.js';
import { serviceFiles } from './service-files.js';

/** The example service a minimal project starts with. */
export const EXAMPLE_SERVICE = 'catalog';

/**
 * `minimal`: one example service, made as `flotilla new service` makes one. `reference`: the
 * reference system's users, orders and notifications.
 */
export const TEMPLATES = ['minimal', 'reference'] as const;
export type Template = (typeof TEMPLATES)[number];

// What every project shares; the reference template lays its own files (README, flotilla.config,
// compose.yaml, its services) over it.
const BASE = new URL('../template/', import.meta.url);
const REFERENCE = new URL('../reference/', import.meta.url);
// npm never packs a file named .gitignore, so the template keeps it under another name.
const RENAMED = { gitignore: '.gitignore' } as const;
const TEXT_WITH_TOKENS = ['package.json', 'README.md', 'Dockerfile'];

export interface CreateProjectOptions {
  /** The new project's directory; must not exist or be empty. */
  readonly directory: string;
  /** The package name written to its package.json. */
  readonly name: string;
  /** The version of the Flotilla packages it depends on. */
  readonly version: string;
  /** What it starts with; `minimal` unless given. */
  readonly template?: Template;
  /** Where the reference template's files are; the package's `reference/`, made by its build, unless given. */
  readonly referenceDirectory?: string;
}

/**
 * Lays out a new project: the shared files, then its services — the example service made as
 * `flotilla new service` makes one, or the reference system's.
 */
export function createProject({
  directory,
  name,
  version,
  template = 'minimal',
  referenceDirectory = fileURLToPath(REFERENCE),
}: CreateProjectOptions): string[] {
  if (existsSync(directory) && readdirSync(directory).length > 0) {
    throw new ProjectError(`${directory} already exists and is not empty`);
  }
  if (template === 'reference' && !existsSync(join(referenceDirectory, 'flotilla.config'))) {
    throw new Error('the reference template has no services: build create-flotilla first (npm run build)');
  }
  mkdirSync(directory, { recursive: true });
  cpSync(BASE, directory, { recursive: true });
  for (const [from, to] of Object.entries(RENAMED)) renameSync(join(directory, from), join(directory, to));
  if (template === 'reference') cpSync(referenceDirectory, directory, { recursive: true });
  const first =
    template === 'reference'
      ? configuredServices(readFileSync(join(directory, 'flotilla.config'), 'utf8'))[0]
      : EXAMPLE_SERVICE;
  for (const file of TEXT_WITH_TOKENS) {
    const path = join(directory, file);
    writeFileSync(
      path,
      readFileSync(path, 'utf8')
        .replaceAll('{{name}}', name)
        .replaceAll('{{version}}', version)
        .replaceAll('{{service}}', first ?? EXAMPLE_SERVICE),
    );
  }
  if (template === 'minimal') writeService(directory, EXAMPLE_SERVICE);
  return [...readdirSync(directory)].sort();
}

function writeService(directory: string, service: string): void {
  const files = serviceFiles(service, { workspace: false });
  for (const [path, content] of Object.entries(files)) {
    const target = join(directory, 'services', service, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

/** A project that cannot be made as asked: reported as one line, exit code 2. */
export class ProjectError extends Error {}
