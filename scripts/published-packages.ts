/** The published packages, in dependency order: each after those it depends on. */
export const PUBLISHED_PACKAGES = [
  'packages/kit',
  'packages/control-plane',
  'packages/gateway',
  'packages/create-flotilla',
  'packages/cli',
] as const;
