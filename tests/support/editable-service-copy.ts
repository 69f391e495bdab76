import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from './spawn-service.js';

/**
 * Copies `services/<service>` into `scratch`, so that a test edits the copy and never the
 * repository; node_modules is the repository's, so the copy finds the kit as the original does.
 */
export function editableServiceCopy(scratch: string, service: string): void {
  symlinkSync(join(repositoryRoot, 'node_modules'), join(scratch, 'node_modules'));
  cpSync(join(repositoryRoot, 'services', service), join(scratch, 'services', service), {
    recursive: true,
    filter: (path) => !/\/(dist|node_modules)$/.test(path),
  });
}
