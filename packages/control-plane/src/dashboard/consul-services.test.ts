import { describe, expect, it } from 'vitest';
import { consulServices } from './consul-services.js';

const answers: Record<string, unknown> = {
  '/v1/catalog/services': { consul: [], users: ['v1'] },
  '/v1/health/service/users': [
    {
      Node: { Address: '10.0.0.9' },
      Service: {
        ID: 'users-1',
        Service: 'users',
        Address: '127.0.0.1',
        Port: 4001,
        Tags: ['v1'],
        Meta: { version: '1' },
      },
      Checks: [{ Status: 'passing' }, { Status: 'passing' }],
    },
    {
      Node: { Address: '10.0.0.9' },
      Service: { ID: 'users-2', Service: 'users', Address: '', Port: 4002 },
      Checks: [{ Status: 'passing' }, { Status: 'warning' }],
    },
    {
      Node: { Address: '10.0.0.9' },
      Service: { ID: 'users-3', Service: 'users', Address: '127.0.0.1', Port: 4003 },
      Checks: [{ Status: 'warning' }, { Status: 'critical' }],
    },
  ],
};

const fakeFetch: typeof fetch = async (input) => {
  const path = new URL(String(input)).pathname;
  return path in answers ? Response.json(answers[path]) : new Response('no', { status: 500 });
};

describe('consulServices', () => {
  it("reads Consul's catalog and health shapes; an instance is as healthy as its worst check", async () => {
    const services = await consulServices('http://registry.test:8500', fakeFetch)();
    expect(services).toEqual([
      {
        name: 'users',
        instances: [
          {
            id: 'users-1',
            address: '127.0.0.1',
            port: 4001,
            health: 'passing',
            tags: ['v1'],
            meta: { version: '1' },
          },
          { id: 'users-2', address: '10.0.0.9', port: 4002, health: 'warning', tags: [], meta: {} },
          { id: 'users-3', address: '127.0.0.1', port: 4003, health: 'critical', tags: [], meta: {} },
        ],
      },
    ]);
  });

  it('fails when the registry answers an error, for the dashboard to report', async () => {
    const failing: typeof fetch = async () => new Response('down', { status: 503 });
    await expect(consulServices('http://registry.test:8500', failing)()).rejects.toThrow(
      'registry answered 503',
    );
  });
});
