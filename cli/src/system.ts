import { fileURLToPath } from 'node:url';

/** One process of the reference system, as the supervisor starts it. */
export interface ProcessSpec {
  readonly name: string;
  readonly entry: string;
  readonly environment?: Readonly<Record<string, string>>;
}

const root = fileURLToPath(new URL('../../', import.meta.url));

export const referenceSystem: readonly ProcessSpec[] = [
  { name: 'users', entry: `${root}services/users/src/main.ts` },
  {
    name: 'gateway',
    entry: `${root}gateway/src/main.ts`,
    environment: { PORT: '8080', ROUTES_FILE: `${root}gateway/routes.json` },
  },
];
