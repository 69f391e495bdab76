import { fileURLToPath } from 'node:url';

/** One process of the reference system, as the supervisor starts it. */
export interface ProcessSpec {
  readonly name: string;
  readonly entry: string;
  readonly environment?: Readonly<Record<string, string>>;
}

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Started first and stopped last: every other process registers in its registry. */
export const controlPlane: ProcessSpec = {
  name: 'control-plane',
  entry: `${root}packages/control-plane/src/main.ts`,
};

export const referenceSystem: readonly ProcessSpec[] = [
  { name: 'users', entry: `${root}services/users/src/main.ts` },
];
