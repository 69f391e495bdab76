import { readFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createProject, EXAMPLE_SERVICE, ProjectError, TEMPLATES, type Template } from './create-project.js';
import { configuredServices } from './reference-files.js';

const EXIT_USAGE = 2;
const help = `usage: npm create flotilla@latest <directory> [-- --template minimal|reference]

Makes <directory> a new Flotilla system on the installed @flotilla packages: a control plane, a
gateway and its services.

options:
  --template <name>   minimal (default): one example service with a route, a migration, an event,
                      a subscription, a job and a test
                      reference: the reference system, users, orders and notifications
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
if (!TEMPLATES.includes(template as Template)) {
  fail(`unknown template "${template}" (${TEMPLATES.join(', ')})`);
}
const directory = resolve(process.cwd(), target);
const name = basename(directory).toLowerCase();
if (!NAME.test(name)) fail(`"${name}" is not a valid package name; choose a lowercase directory name`);

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
try {
  createProject({ directory, name, version, template: template as Template });
} catch (error) {
  if (error instanceof ProjectError) fail(error.message);
  throw error;
}
const shown = relative(process.cwd(), directory) || '.';
const services =
  template === 'reference'
    ? configuredServices(readFileSync(join(directory, 'flotilla.config'), 'utf8')).join(', ')
    : EXAMPLE_SERVICE;
process.stdout.write(`Created ${shown}: a Flotilla system with ${template === 'reference' ? 'the services' : 'the example service'} ${services}.

  cd ${shown}
  npm install
  npm start        # control plane :8500 (dashboard /ui), gateway :8080, ${services}
  npm test

Add a service: npx flotilla new service billing (then npm start routes /api/billing).
`);
