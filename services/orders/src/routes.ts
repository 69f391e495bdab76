import { FlotillaError, type ServiceContext } from '@flotilla/kit';
import { isUniqueViolation } from '@flotilla/kit/db';
import { decodeCursor, encodeCursor, type FastifyReply, type HttpServer } from '@flotilla/kit/http';
import { usersApi } from '@flotilla/users/contract';
import { Type } from '@sinclair/typebox';
import {
  CreateOrder,
  CreateOrderHeaders,
  ListOrdersQuery,
  Order,
  OrderId,
  type Order as OrderType,
} from '../contract/index.js';
import { assertMayAccess, callerOf, mayAccess } from './order-owner.js';
import { findOrder, findOrderByKey, listOrders } from './order-repository.js';
import { placeOrder } from './place-order.js';
import { requestHash } from './request-hash.js';
import { requireUser } from './require-user.js';

const IdParams = Type.Object({ id: OrderId });
const tags = ['orders'];

export function orderRoutes(app: HttpServer, { db, client, events }: ServiceContext): void {
  const users = client(usersApi);

  /** The order a key already made (a retry), or undefined; 422 when the key came with another body. */
  async function previousOrder(key: string, hash: string): Promise<OrderType | undefined> {
    const existing = await findOrderByKey(db, key);
    if (existing && existing.requestHash !== hash) {
      throw new FlotillaError('IDEMPOTENCY_KEY_REUSED', {
        detail: 'this Idempotency-Key was used for a different order request',
      });
    }
    return existing?.order;
  }

  app.post(
    '/orders',
    { schema: { tags, body: CreateOrder, headers: CreateOrderHeaders, response: { 201: Order } } },
    async (request, reply) => {
      assertMayAccess(callerOf(request), request.body.userId);
      const key = request.headers['idempotency-key'];
      const hash = requestHash(request.body);
      const previous = key === undefined ? undefined : await previousOrder(key, hash);
      if (previous) return created(reply.header('idempotent-replayed', 'true'), previous);
      await requireUser(users, db, request.body.userId, request.deadline);
      try {
        const order = await placeOrder(
          { db, events },
          request.body,
          key === undefined ? undefined : { key, requestHash: hash },
        );
        return created(reply, order);
      } catch (error) {
        // A concurrent request with the same key committed first: answer as its retry.
        const winner =
          key !== undefined && isUniqueViolation(error) ? await previousOrder(key, hash) : undefined;
        if (winner) return created(reply.header('idempotent-replayed', 'true'), winner);
        throw error;
      }
    },
  );

  app.get(
    '/orders/:id',
    { schema: { tags, params: IdParams, response: { 200: Order } } },
    async (request) => {
      const order = await findOrder(db, request.params.id);
      // Someone else's order answers exactly like a missing one: its existence is not disclosed.
      if (!order || !mayAccess(callerOf(request), order.userId))
        throw new FlotillaError('NOT_FOUND', { detail: `no order with id ${request.params.id}` });
      return order;
    },
  );

  app.get(
    '/orders',
    { schema: { tags, querystring: ListOrdersQuery, response: { 200: Type.Array(Order) } } },
    async (request, reply) => {
      const { userId } = request.query;
      assertMayAccess(callerOf(request), userId);
      const limit = request.query.limit ?? 20;
      const before = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor);
      const orders = await listOrders(db, userId, limit, before);
      const last = orders.at(-1);
      if (orders.length === limit && last) {
        const query = `userId=${encodeURIComponent(userId)}&limit=${limit}&cursor=${encodeCursor(last.id)}`;
        reply.header('link', `</orders?${query}>; rel="next"`);
      }
      return orders;
    },
  );
}

function created(reply: FastifyReply, order: OrderType) {
  return reply
    .code(201)
    .header('location', `/orders/${encodeURIComponent(order.id)}`)
    .send(order);
}
