import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repositoryRoot } from '../../support/spawn-service.js';

/** Where scenario figures land; `write-report.ts` turns them into docs/reliability.md. */
export const figuresFolder = join(repositoryRoot, 'test-artifacts/reliability');

export interface Figure {
  /** Stable, file-name safe: orders the report and names the figure file. */
  readonly id: string;
  readonly title: string;
  /** One line a reader can check against the target, e.g. "failed 0 of 12,400 requests". */
  readonly result: string;
  /** Raw numbers behind `result`, kept in the figure file for comparison between runs. */
  readonly measurements?: Readonly<Record<string, number | string>>;
}

/**
 * Prints a scenario's figure and keeps it for the report. `testFileUrl` is the scenario's
 * `import.meta.url`, so the report can name the command that reproduces it.
 */
export function recordFigure(testFileUrl: string, figure: Figure): void {
  const file = relative(repositoryRoot, fileURLToPath(testFileUrl));
  mkdirSync(figuresFolder, { recursive: true });
  writeFileSync(
    join(figuresFolder, `${figure.id}.json`),
    `${JSON.stringify({ ...figure, file, measuredAt: new Date().toISOString() }, null, 2)}\n`,
  );
  console.log(`[reliability] ${figure.title}: ${figure.result}`);
}
