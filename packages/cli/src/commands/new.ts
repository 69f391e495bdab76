import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { serviceFiles } from 'create-flotilla/service-files';
import { CliError, UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { writeLine } from '../io.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { addProcess, CONFIG_FILE } from '../system-config.js';

const help = `usage: flotilla new service <name> [--dir <services directory>]

Scaffolds services/<name>: a service that registers, has health, metrics, a migration, a route
(GET /<name>, public as /api/<name>) and a test, and passes \`npm test\` at once.

  <name>   lowercase kebab-case, e.g. billing or order-history

options:
  --dir <path>    where services live (default ./services)
  -h, --help      this help`;

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const RESERVED = new Set(['kit', 'gateway', 'cli', 'control-plane', 'node-modules']);

/** Whether the services directory is one of the project's npm workspaces (a package per service). */
function isWorkspace(cwd: string, servicesDir: string): boolean {
  try {
    const { workspaces } = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as {
      workspaces?: string[];
    };
    const pattern = `${relative(cwd, servicesDir)}/*`;
    return Array.isArray(workspaces) && workspaces.includes(pattern);
  } catch {
    return false;
  }
}

export const newCommand: Command = {
  name: 'new',
  summary: 'scaffold a new service (flotilla new service <name>)',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('new', args, { dir: { type: 'string' } });
    if (values.help) {
      writeLine(io.stdout, help);
      return 0;
    }
    const [kind, name, extra] = positionals;
    if (kind !== 'service') {
      throw new UsageError(kind ? `new: unknown kind "${kind}" (only "service")` : 'new: missing kind');
    }
    if (!name) throw new UsageError('new service: missing <name>');
    if (extra !== undefined) throw new UsageError(`new service: unexpected argument "${extra}"`);
    if (!NAME.test(name) || name.length > 40) {
      throw new UsageError(
        `new service: "${name}" must be lowercase kebab-case, e.g. billing or order-history`,
      );
    }
    if (RESERVED.has(name)) throw new UsageError(`new service: "${name}" is reserved`);

    const servicesDir = resolve(io.cwd, values.dir ?? 'services');
    const target = join(servicesDir, name);
    if (existsSync(target)) throw new CliError(`new service: ${target} already exists`);
    const files = serviceFiles(name, { workspace: isWorkspace(io.cwd, servicesDir) });
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(target, path)), { recursive: true });
      writeFileSync(join(target, path), content, { flag: 'wx' });
    }
    const shown = relative(io.cwd, target) || target;
    writeLine(io.stdout, `created ${shown}:`);
    for (const path of Object.keys(files)) writeLine(io.stdout, `  ${path}`);
    const config = join(io.cwd, CONFIG_FILE);
    if (existsSync(config)) {
      addProcess(config, { name, entry: relative(io.cwd, join(target, 'src/main.ts')) });
      writeLine(
        io.stdout,
        `added ${name} to ${CONFIG_FILE}: \`flotilla start\` runs it, the gateway routes /api/${name}`,
      );
    }
    writeLine(io.stdout, `next: npm install && npx vitest run ${shown}`);
    return 0;
  },
};
