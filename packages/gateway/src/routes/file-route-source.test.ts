import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceInstance } from '@flotilla/kit/discovery';
import { describe, expect, it } from 'vitest';
import { fileRouteSource, parseRoutes } from './file-route-source.js';
import type { RouteDefaults } from './route-defaults.js';
import { RouteTable, upstreamPath } from './route-table.js';
import { routesFromMetadata } from './routes-from-metadata.js';

const defaults: RouteDefaults = {
  auth: 'public',
  timeoutMs: 5_000,
  bodyLimit: 1000,
  retries: 1,
  rateLimit: undefined,
};

describe('routes file', () => {
  it('fills defaults and rewrites /api/users to the service’s /users', () => {
    const [route] = parseRoutes(
      {
        routes: [
          { prefix: '/api/users', service: 'users', timeout: '2s', rateLimit: { limit: 10, window: '1m' } },
        ],
      },
      defaults,
      'test',
    );
    expect(route).toMatchObject({ upstreamPrefix: '/users', timeoutMs: 2_000, auth: 'public' });
    expect(route!.rateLimit).toEqual({ limit: 10, windowMs: 60_000, burst: 10, key: 'subject' });
    expect(upstreamPath(route!, '/api/users/7', '?a=1')).toBe('/users/7?a=1');
    const bare = { ...route!, upstreamPrefix: '' };
    expect(upstreamPath(bare, '/api/users', '')).toBe('/');
  });

  it('reports every problem at once, naming the field', () => {
    expect(() =>
      parseRoutes(
        {
          routes: [
            { prefix: 'api/users', service: 'users' },
            { prefix: '/api/../x', service: 'bad name!', auth: 'maybe' },
            { prefix: '/metrics', service: 'x' },
          ],
        },
        defaults,
        'routes.json',
      ),
    ).toThrow(
      /Invalid routes in routes\.json:\n {2}- \/routes\/0\/prefix[\s\S]*\/routes\/1\/service[\s\S]*\/routes\/1\/auth/,
    );
    expect(() => parseRoutes({ routes: [{ prefix: '/metrics', service: 'x' }] }, defaults, 'f')).toThrow(
      /reserved/,
    );
    expect(() =>
      parseRoutes(
        {
          routes: [
            { prefix: '/a', service: 'x' },
            { prefix: '/a', service: 'y' },
          ],
        },
        defaults,
        'f',
      ),
    ).toThrow(/duplicate \/a/);
  });

  it('names an unreadable or malformed file', () => {
    const directory = mkdtempSync(join(tmpdir(), 'flotilla-routes-'));
    expect(() => fileRouteSource(join(directory, 'absent.json'), defaults)).toThrow(
      /Cannot read routes file .*ENOENT/,
    );
    writeFileSync(join(directory, 'bad.json'), '{ routes: ');
    expect(() => fileRouteSource(join(directory, 'bad.json'), defaults)).toThrow(/not valid JSON/);
  });
});

describe('routes from registry metadata', () => {
  it('uses each service’s declared prefix and ignores unsafe ones', () => {
    const instance = (service: string, prefix: string): ServiceInstance => ({
      id: `${service}-1`,
      service,
      address: '127.0.0.1',
      port: 1,
      tags: [],
      meta: { 'route-prefix': prefix },
    });
    const routes = routesFromMetadata(
      [instance('users', '/api/users'), instance('users', '/api/users'), instance('evil', '/api/../admin')],
      defaults,
    );
    expect(routes.map((route) => [route.prefix, route.service, route.upstreamPrefix])).toEqual([
      ['/api/users', 'users', '/users'],
    ]);
    const table = new RouteTable(routes);
    expect(table.match('/api/users/1')?.service).toBe('users');
    expect(table.match('/api/usersX')).toBeUndefined();
  });
});
