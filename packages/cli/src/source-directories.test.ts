import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entrySourceDirectories } from './source-directories.js';

const project = mkdtempSync(join(tmpdir(), 'flotilla-sources-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

function file(path: string): string {
  const full = join(project, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, '{}');
  return full;
}

describe('entrySourceDirectories', () => {
  file('package.json');

  it("is the entry's package when it has its own package.json", () => {
    file('services/users/package.json');
    expect(entrySourceDirectories(file('services/users/src/main.ts'), project)).toEqual([
      join(project, 'services/users'),
    ]);
  });

  it("is the folder above src when the only package.json is the project's", () => {
    expect(entrySourceDirectories(file('services/billing/src/main.ts'), project)).toEqual([
      join(project, 'services/billing'),
    ]);
    expect(entrySourceDirectories(file('tools/worker.ts'), project)).toEqual([join(project, 'tools')]);
  });

  it('leaves installed packages alone', () => {
    expect(entrySourceDirectories(file('node_modules/@flotilla/gateway/dist/main.js'), project)).toEqual([]);
  });
});
