// Compiled by `npm run typecheck`, never run: each `@ts-expect-error` fails the type check as soon
// as the types stop rejecting the call below it.
import { Type } from '@sinclair/typebox';
import { defineContract } from './contract.js';
import type { ServiceClient } from './create-service-client.js';
import { typedClient } from './typed-client.js';

const Item = Type.Object({ id: Type.String(), price: Type.Number() });
const shop = defineContract({
  service: 'shop',
  routes: {
    'GET /items/:id': { params: Type.Object({ id: Type.String() }), response: { 200: Item } },
    'GET /items': { query: Type.Object({ limit: Type.Integer() }), response: { 200: Type.Array(Item) } },
    'POST /items': { body: Type.Object({ name: Type.String() }), response: { 201: Item } },
  },
});

export async function calls(client: ServiceClient): Promise<void> {
  const items = typedClient(shop, client);

  const item = await items.get('/items/:id', { params: { id: 'i1' } });
  item.price.toFixed(2);
  // @ts-expect-error a path the contract does not declare
  await items.get('/item/:id', { params: { id: 'i1' } });
  // @ts-expect-error a path declared for another method
  await items.post('/items/:id', { params: { id: 'i1' } });
  // @ts-expect-error a param of the wrong type
  await items.get('/items/:id', { params: { id: 1 } });
  // @ts-expect-error params left out
  await items.get('/items/:id');
  // @ts-expect-error a required query left out
  await items.get('/items', {});
  // @ts-expect-error a query value of the wrong type
  await items.get('/items', { query: { limit: 'ten' } });
  // @ts-expect-error the body left out
  await items.post('/items', {});
  // @ts-expect-error a body of the wrong shape
  await items.post('/items', { body: { title: 'pen' } });
  // @ts-expect-error a property the answer does not have
  item.name.toUpperCase();
  // @ts-expect-error a property used as the wrong type
  item.price.toUpperCase();
}

defineContract({
  service: 'shop',
  // @ts-expect-error a path parameter without its schema
  routes: { 'GET /items/:id': { response: { 200: Item } } },
});
