import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { serviceFiles } from './service-files.js';

/** The example service every new project starts with. */
export const EXAMPLE_SERVICE = 'catalog';

const TEMPLATE = new URL('../template/', import.meta.url);
// npm never packs a file named .gitignore, so the template keeps it under another name.
const RENAMED = { gitignore: '.gitignore' } as const;
const TEXT_WITH_TOKENS = ['package.json', 'README.md'];

export interface CreateProjectOptions {
  /** The new project's directory; must not exist or be empty. */
  readonly directory: string;
  /** The package name written to its package.json. */
  readonly name: string;
  /** The version of the Flotilla packages it depends on. */
  readonly version: string;
}

/** Lays out a new project: the template, then the example service made as `flotilla new` makes one. */
export function createProject({ directory, name, version }: CreateProjectOptions): string[] {
  if (existsSync(directory) && readdirSync(directory).length > 0) {
    throw new ProjectError(`${directory} already exists and is not empty`);
  }
  mkdirSync(directory, { recursive: true });
  cpSync(TEMPLATE, directory, { recursive: true });
  for (const [from, to] of Object.entries(RENAMED)) renameSync(join(directory, from), join(directory, to));
  for (const file of TEXT_WITH_TOKENS) {
    const path = join(directory, file);
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replaceAll('{{name}}', name).replaceAll('{{version}}', version),
    );
  }
  const files = serviceFiles(EXAMPLE_SERVICE, { workspace: false });
  for (const [path, content] of Object.entries(files)) {
    const target = join(directory, 'services', EXAMPLE_SERVICE, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  return [...readdirSync(directory)].sort();
}

/** A project that cannot be made as asked: reported as one line, exit code 2. */
export class ProjectError extends Error {}
