import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { isReserved } from '../endpoints/index.js';
import type { Route, RouteSource } from './route.js';
import type { RouteDefaults } from './route-defaults.js';
import { RoutesFile } from './route-definitions.js';
import { toRoute } from './to-route.js';

/** A routes file that cannot be used; the message lists every problem, one per line. */
export class RouteConfigError extends Error {
  override name = 'RouteConfigError';
}

/** Checks a parsed routes document; throws one RouteConfigError naming every bad field. */
export function parseRoutes(document: unknown, defaults: RouteDefaults, origin: string): Route[] {
  if (!Value.Check(RoutesFile, document)) {
    const problems = [...Value.Errors(RoutesFile, document)].map(
      (error) => `  - ${error.path || '/'}: ${error.message}`,
    );
    throw new RouteConfigError(`Invalid routes in ${origin}:\n${[...new Set(problems)].join('\n')}`);
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  document.routes.forEach((definition, index) => {
    if (seen.has(definition.prefix))
      problems.push(`  - /routes/${index}/prefix: duplicate ${definition.prefix}`);
    seen.add(definition.prefix);
    if (isReserved(definition.prefix)) {
      problems.push(`  - /routes/${index}/prefix: ${definition.prefix} is reserved by the gateway`);
    }
  });
  if (problems.length > 0) throw new RouteConfigError(`Invalid routes in ${origin}:\n${problems.join('\n')}`);
  return document.routes.map((definition) => toRoute(definition, defaults));
}

/** Routes from a JSON file, read and validated once at start. */
export function fileRouteSource(path: string, defaults: RouteDefaults): RouteSource {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RouteConfigError(`Cannot read routes file ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new RouteConfigError(`Routes file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const routes = parseRoutes(document, defaults, path);
  return { routes: () => routes, subscribe: () => () => {} };
}
