// Writes one API report per typed entry point of each published package (`<package>/api/*.api.md`)
// from its built declarations; with --check, fails when a report differs from the one committed, so
// a change of the public surface is seen in review. Needs `npm run build` first.
// Run: npm run api:report (write) | npm run api:check (compare)
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import { PUBLISHED_PACKAGES } from './published-packages.js';

const root = new URL('../', import.meta.url).pathname;
const check = process.argv.includes('--check');
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-api-'));
// API Extractor reads one entry point per run (rushstack#1596), so each entry point gets its own.
const silent = { logLevel: ExtractorLogLevel.None };
const changed: string[] = [];

for (const directory of PUBLISHED_PACKAGES) {
  const folder = join(root, directory);
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
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
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
          extractorMessageReporting: { default: silent },
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
  }
}
rmSync(scratch, { recursive: true, force: true });
if (changed.length > 0) {
  process.stderr.write(
    `api-report: the public API changed; run npm run api:report and commit the reports:\n  ${changed.join('\n  ')}\n`,
  );
  process.exit(1);
}
process.stdout.write(`api-report: ${check ? 'every report matches' : 'reports written'}\n`);
