import { once } from 'node:events';
import { createServer } from 'node:http';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineContract } from '../client/index.js';
import { staticBalancer } from '../discovery/index.js';
import { testDatabase } from '../testing/index.js';
import { defineService, startService } from './index.js';

const shop = defineContract({
  service: 'shop',
  routes: {
    'GET /items/:id': {
      params: Type.Object({ id: Type.String() }),
      response: { 200: Type.Object({ id: Type.String() }) },
    },
  },
});

// A shop deployed out of step with its contract: ids are numbers.
const upstream = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' }).end('{"id":1}');
});
let url = '';
let database: Awaited<ReturnType<typeof testDatabase>>;

beforeAll(async () => {
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const address = upstream.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  database = await testDatabase();
});
afterAll(async () => {
  upstream.close();
  await database?.dispose();
});

/** A service calling the shop, started with `environment`; answers what its typed call gave. */
async function callShop(environment: Record<string, string>) {
  const caller = defineService({ name: 'caller', version: '0.0.0', calls: ['shop'], routes() {} });
  const service = await startService(caller, {
    environment: { LOG_LEVEL: 'silent', ...environment },
    database,
    balancer: staticBalancer({ shop: [url] }),
  });
  try {
    const items = service.context.client(shop);
    expect(items.target).toBe(service.context.client('shop').target);
    return await items.get('/items/:id', { params: { id: 'i1' } });
  } finally {
    await service.stop();
  }
}

describe('context.client(contract)', () => {
  it('checks answers against the contract outside production', async () => {
    await expect(callShop({})).rejects.toMatchObject({ code: 'BAD_GATEWAY' });
  });

  it('trusts answers when NODE_ENV is production', async () => {
    await expect(callShop({ NODE_ENV: 'production' })).resolves.toEqual({ id: 1 });
  });
}, 60_000);
