import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * The export condition under which this repository's packages resolve to their TypeScript sources
 * (see each package's `exports`); installed packages resolve to their built JavaScript instead.
 */
export const SOURCE_CONDITION = 'flotilla-source';

// tsx by its path, so a process started in a scratch directory (which has no node_modules) finds it.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** node's arguments for running a TypeScript entry of this repository from its sources. */
export const TYPESCRIPT_NODE_ARGS: readonly string[] = [`--conditions=${SOURCE_CONDITION}`, '--import', TSX];
