import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { Type } from '@sinclair/typebox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { staticBalancer } from '../discovery/index.js';
import { FlotillaError } from '../errors/index.js';
import { createHttpServer } from '../http/index.js';
import { createLogger } from '../telemetry/index.js';
import { contractRoute, defineContract } from './contract.js';
import { createServiceClient, type ServiceClient } from './create-service-client.js';
import { typedClient } from './typed-client.js';

const Item = Type.Object({ id: Type.String(), at: Type.String({ format: 'date-time' }) });
const shop = defineContract({
  service: 'shop',
  routes: {
    'GET /items/:id': { params: Type.Object({ id: Type.String() }), response: { 200: Item } },
    'GET /items': {
      query: Type.Object({
        limit: Type.Optional(Type.Integer()),
        tag: Type.Optional(Type.Array(Type.String())),
      }),
      response: { 200: Type.Array(Item) },
    },
    'POST /items': { body: Type.Object({ name: Type.String() }), response: { 201: Item, 202: Type.Null() } },
    'DELETE /items/:id': { params: Type.Object({ id: Type.String() }) },
  },
});

interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly body: string;
}

const received: Received[] = [];
let answer: { status: number; body?: unknown } = { status: 200 };
const upstream = createServer(async (request: IncomingMessage, response) => {
  let body = '';
  for await (const chunk of request) body += chunk;
  received.push({ method: request.method, url: request.url, body });
  response
    .writeHead(answer.status, { 'content-type': 'application/json' })
    .end(answer.body === undefined ? '' : JSON.stringify(answer.body));
});
let url = '';
const clients: ServiceClient[] = [];

function shopClient(validateResponses?: boolean) {
  const client = createServiceClient('shop', {
    balancer: staticBalancer({ shop: [url] }),
    settings: { maxRetries: 0 },
  });
  clients.push(client);
  return typedClient(shop, client, validateResponses === undefined ? {} : { validateResponses });
}

const item = { id: 'i/1', at: '2026-12-04T23:00:00Z' };

beforeAll(async () => {
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const address = upstream.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterEach(async () => {
  received.length = 0;
  await Promise.all(clients.splice(0).map((client) => client.close()));
});
afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

describe('typed client', () => {
  it('fills the path parameters, encoded, and answers the upstream body', async () => {
    answer = { status: 200, body: item };
    await expect(shopClient().get('/items/:id', { params: { id: 'i/1' } })).resolves.toEqual(item);
    expect(received).toEqual([{ method: 'GET', url: '/items/i%2F1', body: '' }]);
  });

  it('sends the query, an array as repeated names, and leaves out unset values', async () => {
    answer = { status: 200, body: [item] };
    await shopClient().get('/items', { query: { limit: 5, tag: ['a', 'b'] } });
    await shopClient().get('/items');
    expect(received.map((request) => request.url)).toEqual(['/items?limit=5&tag=a&tag=b', '/items']);
  });

  it('sends the body as JSON and accepts any declared 2xx answer', async () => {
    answer = { status: 201, body: item };
    await expect(shopClient().post('/items', { body: { name: 'pen' } })).resolves.toEqual(item);
    answer = { status: 202, body: null };
    await expect(shopClient().post('/items', { body: { name: 'pen' } })).resolves.toBeNull();
    expect(received[0]).toMatchObject({ method: 'POST', url: '/items', body: '{"name":"pen"}' });
  });

  it('rejects an answer that breaks the contract with BAD_GATEWAY naming the upstream', async () => {
    answer = { status: 200, body: { id: 'i1', at: 'yesterday' } };
    const error = await shopClient()
      .get('/items/:id', { params: { id: 'i1' } })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(FlotillaError);
    expect(error).toMatchObject({ code: 'BAD_GATEWAY', extensions: { upstream: 'shop' } });
    expect((error as FlotillaError).detail).toMatch(/GET \/items\/:id .*\/at/);
  });

  it('lets such an answer through when validation is off, as in production', async () => {
    answer = { status: 200, body: { id: 'i1' } };
    await expect(shopClient(false).get('/items/:id', { params: { id: 'i1' } })).resolves.toEqual({
      id: 'i1',
    });
  });

  it('does not check a route that declares no 2xx answer, nor what a fallback returns', async () => {
    answer = { status: 204 };
    await expect(shopClient().delete('/items/:id', { params: { id: 'i1' } })).resolves.toBeUndefined();
    answer = { status: 503 };
    const stale = { id: 'i1', at: 'from a replica' };
    await expect(
      shopClient().get('/items/:id', { params: { id: 'i1' }, fallback: () => stale }),
    ).resolves.toBe(stale);
  });

  it('keeps the upstream error for a 4xx', async () => {
    answer = { status: 404, body: { code: 'NOT_FOUND', detail: 'no item i1' } };
    await expect(shopClient().get('/items/:id', { params: { id: 'i1' } })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('contractRoute', () => {
  it('serves a route with the schemas of the contract, tagged with the service', async () => {
    const app = await createHttpServer({
      name: 'shop',
      version: '1.0.0',
      logger: createLogger({ name: 'shop', level: 'silent' }),
    });
    app.route({
      ...contractRoute(shop, 'GET /items/:id'),
      handler: async (request) => ({ id: request.params.id, at: item.at, secret: 'dropped' }),
    });
    const ok = await app.inject({ method: 'GET', url: '/items/i1' });
    expect(ok.json()).toEqual({ id: 'i1', at: item.at });
    expect(contractRoute(shop, 'POST /items')).toMatchObject({
      method: 'POST',
      url: '/items',
      schema: { tags: ['shop'], body: shop.routes['POST /items'].body },
    });
    await app.close();
  });
});
