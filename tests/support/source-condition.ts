/**
 * The export condition under which this repository's packages resolve to their TypeScript sources
 * (see each package's `exports`); installed packages resolve to their built JavaScript instead.
 */
export const SOURCE_CONDITION = 'flotilla-source';

/** node's arguments for running a TypeScript entry of this repository from its sources. */
export const TYPESCRIPT_NODE_ARGS: readonly string[] = [
  `--conditions=${SOURCE_CONDITION}`,
  '--import',
  'tsx',
];
