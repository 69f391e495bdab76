import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import type { Environment } from './load-config.js';

/**
 * The environment as a process sees it in development: variables from a `.env` file in `directory`
 * under the real environment, which always wins. Nothing is written back to `process.env`.
 */
export function withDotEnv(environment: Environment, directory: string): Environment {
  const file = join(directory, '.env');
  if (!existsSync(file)) return environment;
  return { ...parse(readFileSync(file)), ...environment };
}
