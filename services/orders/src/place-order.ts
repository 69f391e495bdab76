import type { ServiceContext } from '@flotilla/kit';
import { type CreateOrder, type Order, OrderPlaced } from '../contract/index.js';
import { type Idempotency, insertOrder } from './order-repository.js';

/**
 * Stores the order and publishes `order.placed` in one transaction: the event exists exactly when
 * the order does. An idempotent replay never gets here, and a concurrent duplicate's transaction
 * rolls back on the key's unique violation, its event with it.
 */
export function placeOrder(
  { db, events }: Pick<ServiceContext, 'db' | 'events'>,
  input: CreateOrder,
  idempotency: Idempotency | undefined,
): Promise<Order> {
  return db.transaction(async (tx) => {
    const order = await insertOrder(tx, input, idempotency);
    const data = {
      orderId: order.id,
      userId: order.userId,
      items: order.items,
      total: order.total,
      placedAt: order.createdAt,
    };
    // The kit stores the active trace with the event, so its consumers continue this request's trace.
    await events.publish(tx, OrderPlaced, data, { key: order.id });
    return order;
  });
}
