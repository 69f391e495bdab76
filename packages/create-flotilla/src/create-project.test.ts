import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProject, ProjectError } from './create-project.js';
import { referenceFiles, writeReferenceFiles } from './reference-files.js';

const scratch = mkdtempSync(join(tmpdir(), 'create-flotilla-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('createProject', () => {
  it('lays out a project on the given version, with the example service listed and its test', () => {
    const directory = join(scratch, 'my-system');
    createProject({ directory, name: 'my-system', version: '1.2.3' });
    const pkg = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('my-system');
    expect(pkg.dependencies).toMatchObject({ '@flotilla/kit': '1.2.3', '@flotilla/cli': '1.2.3' });
    expect(JSON.parse(readFileSync(join(directory, 'flotilla.config'), 'utf8')).processes).toContainEqual({
      name: 'catalog',
      entry: 'services/catalog/src/main.ts',
    });
    for (const file of [
      '.gitignore',
      'README.md',
      'Dockerfile',
      'services/catalog/src/main.ts',
      'services/catalog/src/catalog-service.test.ts',
      'services/catalog/migrations/0001_create_catalog_items.sql',
      'services/catalog/contract/index.ts',
    ]) {
      expect(existsSync(join(directory, file)), file).toBe(true);
    }
    expect(readFileSync(join(directory, 'README.md'), 'utf8')).toMatch(/^# my-system\n/);
  });

  it("lays out the reference system: this repository's flotilla.config and the services it runs", () => {
    // What the package's build does, into a directory of the test's own: the package's reference/
    // is left to its build, which may be running meanwhile.
    const root = new URL('../../../', import.meta.url).pathname;
    const referenceDirectory = join(scratch, 'reference-template');
    writeReferenceFiles(root, referenceDirectory);
    const directory = join(scratch, 'reference');
    createProject({
      directory,
      name: 'reference',
      version: '1.2.3',
      template: 'reference',
      referenceDirectory,
    });
    const files = referenceFiles(root);
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['flotilla.config', 'services/users/src/main.ts']),
    );
    for (const [path, text] of Object.entries(files)) {
      expect(readFileSync(join(directory, path), 'utf8'), path).toBe(text);
    }
    // Another service's contract by a relative path (the project has no workspaces), and no test that
    // needs this repository's test support.
    expect(files['services/orders/src/routes.ts']).toContain("from '../../users/contract/index.js'");
    expect(files['services/notifications/contract/index.ts']).toContain(
      "from '../../orders/contract/index.js'",
    );
    expect(Object.values(files).join('\n')).not.toMatch(
      /@flotilla\/(users|orders|notifications)\/contract|tests\/support/,
    );
    expect(files['services/users/src/users-service.test.ts']).toBeDefined();
    expect(readFileSync(join(directory, 'Dockerfile'), 'utf8')).toContain('dist/services/users/src/main.js');
  });

  it('refuses a directory that is not empty, and leaves it as it was', () => {
    const directory = join(scratch, 'taken');
    mkdirSync(directory);
    writeFileSync(join(directory, 'mine.txt'), 'keep');
    expect(() => createProject({ directory, name: 'taken', version: '1.2.3' })).toThrow(ProjectError);
    expect(readFileSync(join(directory, 'mine.txt'), 'utf8')).toBe('keep');
    expect(existsSync(join(directory, 'package.json'))).toBe(false);
  });
});
