import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '../support/spawn-service.js';
import { type Figure, figuresFolder } from './support/record-figure.js';

/**
 * Runs the reliability suite and rewrites docs/reliability.md from the figures its scenarios
 * recorded, so the published figures are always the last measured ones. `--from-last` skips the
 * run and publishes the figures already in test-artifacts (e.g. from a CI run of the suite).
 */
interface RecordedFigure extends Figure {
  readonly file: string;
  readonly measuredAt: string;
}

const reportPath = join(repositoryRoot, 'docs/reliability.md');
const begin = '<!-- figures:begin -->';
const end = '<!-- figures:end -->';

const fromLast = process.argv.includes('--from-last');
if (!fromLast) rmSync(figuresFolder, { recursive: true, force: true });
const run = fromLast
  ? { status: 0 }
  : spawnSync('npm', ['run', 'test:reliability'], { cwd: repositoryRoot, stdio: 'inherit' });

const figures: RecordedFigure[] = readdirSync(figuresFolder, { withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
  .map((entry) => JSON.parse(readFileSync(join(figuresFolder, entry.name), 'utf8')) as RecordedFigure)
  .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));

const escapeCell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const table = [
  '| scenario | last measured | reproduce |',
  '|---|---|---|',
  ...figures.map(
    (figure) =>
      `| ${escapeCell(figure.title)} | ${escapeCell(figure.result)} (${figure.measuredAt.slice(0, 10)}) | \`npx vitest run --project reliability ${figure.file}\` |`,
  ),
].join('\n');

const report = readFileSync(reportPath, 'utf8');
const from = report.indexOf(begin);
const to = report.indexOf(end);
if (from < 0 || to < from) throw new Error(`${reportPath} lacks the ${begin} … ${end} markers`);
writeFileSync(reportPath, `${report.slice(0, from + begin.length)}\n${table}\n${report.slice(to)}`);
console.log(`wrote ${figures.length} figure(s) to docs/reliability.md`);
process.exitCode = run.status ?? 1;
