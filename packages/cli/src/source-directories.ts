import { existsSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { isInside } from './is-inside.js';

function nearestPackage(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Where a Node entry's own sources are, for `start --watch`: its package's directory (the nearest
 * package.json), so contract, migrations and routes all count. In a project whose only package.json
 * is the project's own, that would be every service at once, so then it is the entry's directory —
 * the one above it when that is `src`. An installed package (under node_modules) is not watched.
 *
 * Workspace dependencies are left out on purpose: orders depends on users' package for its
 * contract, so following dependencies would restart orders on every change to users.
 */
export function entrySourceDirectories(entry: string, projectDir: string): string[] {
  if (entry.split(sep).includes('node_modules')) return [];
  const found = nearestPackage(dirname(entry));
  if (found && !isInside(projectDir, found)) return [found];
  const dir = dirname(entry);
  return [basename(dir) === 'src' && dir !== projectDir ? dirname(dir) : dir];
}
