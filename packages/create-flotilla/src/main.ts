import { readFileSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createProject, ProjectError } from './create-project.js';

const EXIT_USAGE = 2;
const help = `usage: npm create flotilla@latest <directory> [-- --template minimal]

Makes <directory> a new Flotilla system: a control plane, a gateway and an example service with a
route, a migration, an event and a test, on the installed @flotilla packages.

options:
  --template <name>   minimal (the only one so far)
  -h, --help          this help`;

const NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

function fail(message: string): never {
  process.stderr.write(`create-flotilla: ${message}\n`);
  process.exit(EXIT_USAGE);
}

const config = {
  options: { template: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  allowPositionals: true,
} as const;
let parsed: ReturnType<typeof parseArgs<typeof config>>;
try {
  parsed = parseArgs(config);
} catch (error) {
  fail((error as Error).message.split('\n')[0] ?? 'bad arguments');
}
if (parsed.values.help) {
  process.stdout.write(`${help}\n`);
  process.exit(0);
}
const [target, extra] = parsed.positionals;
if (!target) fail('missing <directory>, e.g. npm create flotilla@latest my-system');
if (extra !== undefined) fail(`unexpected argument "${extra}"`);
const template = parsed.values.template ?? 'minimal';
if (template !== 'minimal') fail(`unknown template "${template}" (minimal)`);
const directory = resolve(process.cwd(), target);
const name = basename(directory).toLowerCase();
if (!NAME.test(name)) fail(`"${name}" is not a valid package name; choose a lowercase directory name`);

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
try {
  createProject({ directory, name, version });
} catch (error) {
  if (error instanceof ProjectError) fail(error.message);
  throw error;
}
const shown = relative(process.cwd(), directory) || '.';
process.stdout.write(`Created ${shown}: a Flotilla system with the example service "catalog".

  cd ${shown}
  npm install
  npm start        # control plane :8500 (dashboard /ui), gateway :8080, catalog
  npm test

Add a service: npx flotilla new service billing (then npm start routes /api/billing).
`);
