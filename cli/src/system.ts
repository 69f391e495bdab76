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
  { name: 'orders', entry: `${root}services/orders/src/main.ts` },
];
