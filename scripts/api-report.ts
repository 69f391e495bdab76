// Writes one API report per typed entry point of each published package (`<package>/api/*.api.md`)
// from its built declarations, and the API reference (docs/api/) from their TSDoc; with --check,
// fails when a report or the reference differs from the one committed, so a change of the public
// surface, or of its docs, is seen in review. Needs `npm run build` first.
// Run: npm run api:report (write) | npm run api:check (compare)
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import { PUBLISHED_PACKAGES } from './published-packages.js';

const root = new URL('../', import.meta.url).pathname;
const check = process.argv.includes('--check');
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-api-'));
const models = join(scratch, 'models');
const reference = join(root, 'docs/api');
// API Extractor reads one entry point per run (rushstack#1596), so each entry point gets its own.
const silent = { logLevel: ExtractorLogLevel.None };
const changed: string[] = [];
// API Documenter takes one model per package name, and a name without a path: each entry point's
// model is named `<package>.<entry>`, and the pages show the import specifier it stands for.
const specifiers = new Map<string, string>();

for (const directory of PUBLISHED_PACKAGES) {
  const folder = join(root, directory);
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, { types?: string }>;
  };
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (!target.types) continue;
    mkdirSync(join(folder, 'api'), { recursive: true });
    const name = subpath === '.' ? 'index' : subpath.slice(2).replaceAll('/', '-');
    const config = ExtractorConfig.prepare({
      configObject: {
        projectFolder: folder,
        mainEntryPointFilePath: join(folder, target.types),
        compiler: { tsconfigFilePath: join(folder, 'tsconfig.build.json') },
        apiReport: {
          enabled: true,
          reportFolder: join(folder, 'api'),
          reportTempFolder: scratch,
          reportFileName: name,
        },
        docModel: {
          enabled: true,
          apiJsonFilePath: join(models, `${directory.replaceAll('/', '-')}-${name}.api.json`),
        },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
          extractorMessageReporting: {
            default: silent,
            // Listed in the report: an export added without TSDoc changes it, and the check fails.
            'ae-undocumented': { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: true },
          },
          tsdocMessageReporting: { default: silent },
        },
      },
      configObjectFullPath: undefined,
      packageJsonFullPath: join(folder, 'package.json'),
    });
    const result = Extractor.invoke(config, { localBuild: !check, messageCallback: () => {} });
    if (result.errorCount > 0) changed.push(`${directory} ${subpath}: ${result.errorCount} error(s)`);
    else if (check && result.apiReportChanged)
      changed.push(`${directory} ${subpath}: ${directory}/api/${name}.api.md`);
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
    nameEntryPoint(
      config.apiJsonFilePath,
      subpath === '.' ? manifest.name : `${manifest.name}.${name}`,
      specifier,
    );
  }
}

writeReference(check ? join(scratch, 'reference') : reference);
rmSync(scratch, { recursive: true, force: true });
if (changed.length > 0) {
  process.stderr.write(
    `api-report: the public API changed; run npm run api:report and commit the reports and docs/api:\n  ${changed.join('\n  ')}\n`,
  );
  process.exit(1);
}
process.stdout.write(`api-report: ${check ? 'every report matches' : 'reports written'}\n`);

function nameEntryPoint(path: string, modelName: string, specifier: string): void {
  const model = JSON.parse(readFileSync(path, 'utf8')) as { name: string; canonicalReference: string };
  model.name = modelName;
  model.canonicalReference = `${modelName}!`;
  writeFileSync(path, JSON.stringify(model, null, 2));
  specifiers.set(modelName, specifier);
}

/** The markdown reference from every entry point's doc model; with --check, compared to docs/api. */
function writeReference(output: string): void {
  // Its progress lines are kept from the output; a failure's message carries what it printed.
  execFileSync(join(root, 'node_modules/.bin/api-documenter'), ['markdown', '-i', models, '-o', output]);
  for (const file of readdirSync(output)) {
    let page = readFileSync(join(output, file), 'utf8');
    for (const [modelName, specifier] of specifiers) {
      const unscoped = modelName.replace(/^@[^/]+\//, '');
      page = page
        .replaceAll(`[${modelName}]`, `[${specifier}]`)
        .replaceAll(`## ${unscoped} package`, `## ${specifier} package`);
    }
    writeFileSync(join(output, file), page);
  }
  if (!check) return;
  const committed = readFolder(reference);
  const built = readFolder(output);
  for (const name of [...new Set([...Object.keys(committed), ...Object.keys(built)])].sort()) {
    if (committed[name] !== built[name]) changed.push(`docs/api/${name}`);
  }
}

function readFolder(folder: string): Record<string, string> {
  if (!existsSync(folder)) return {};
  return Object.fromEntries(
    readdirSync(folder).map((name) => [name, readFileSync(join(folder, name), 'utf8')]),
  );
}
